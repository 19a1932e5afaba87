import assert from "node:assert/strict";
import { defaultHubMirrorDir } from "../../tests/support/hub_server.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";
import { mirrorRepoDir, STANDINS } from "../../tests/support/mirror.ts";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import {
  attr,
  createGraph,
  createModel,
  DataType,
  decodeModel,
  encodeModel,
  encodeModelWithExternalData,
  GraphBuilder,
  type Model,
  OnnxDecodeError,
  OnnxExternalDataError,
  readModel,
  writeModel,
} from "./mod.ts";
import { onnx } from "./_proto.ts";

/** A model of the test hub: the mirror's mini stand-in, or the repo's fixture model without it. */
const ANY_ONNX = join(mirrorRepoDir(STANDINS.mini), "onnx", "model.onnx");
/** The mirror stand-in's torch export (tests that read it need the full mirror). */
const MINI_ONNX = join(
  defaultHubMirrorDir(),
  "standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
);

/** input_ids of two MRPC-like sequences, the second padded. */
const IDS = [
  [101, 2002, 2056, 1996, 9440, 2121, 102, 1000, 1996, 102],
  [101, 7592, 2088, 102, 2023, 2003, 102, 0, 0, 0],
];

async function runLogits(session: ort.InferenceSession): Promise<Float32Array> {
  const flat = IDS.flat();
  const dims = [IDS.length, IDS[0].length];
  const feeds = {
    input_ids: new ort.Tensor("int64", BigInt64Array.from(flat, BigInt), dims),
    attention_mask: new ort.Tensor(
      "int64",
      BigInt64Array.from(flat, (id) => (id === 0 ? 0n : 1n)),
      dims,
    ),
  };
  const out = await session.run(feeds);
  return out.logits.data as Float32Array;
}

extendedTest("readModel decodes the mirror's torch export", MIRROR, async () => {
  const model = await readModel(MINI_ONNX);
  assert.equal(model.irVersion, 7);
  assert.deepEqual(model.opsetImports, [{ domain: "", version: 14 }]);
  assert.equal(model.producerName, "pytorch");
  assert.equal(model.graph.nodes.length, 427);
  assert.equal(model.graph.initializers.length, 72);
  assert.deepEqual(model.graph.inputs.map((i) => [i.name, i.elemType, i.shape]), [
    ["input_ids", DataType.INT64, ["batch_size", "sequence_length"]],
    ["attention_mask", DataType.INT64, ["batch_size", "sequence_length"]],
  ]);
  assert.deepEqual(model.graph.outputs[0].shape, ["batch_size", 2]);
  const words = model.graph.initializers.find((t) =>
    t.name === "distilbert.embeddings.word_embeddings.weight"
  )!;
  assert.deepEqual(words.dims, [30522, 256]);
  assert.ok(words.data instanceof Float32Array);
  const reduce = model.graph.nodes.find((n) => n.opType === "ReduceMean")!;
  assert.deepEqual(reduce.attributes.axes, { type: "ints", value: [-1] });
  const softmax = model.graph.nodes.find((n) => n.opType === "Softmax")!;
  assert.deepEqual(softmax.attributes.axis, { type: "int", value: -1 });
  const constant = model.graph.nodes.find((n) => n.name === "/distilbert/embeddings/Constant")!;
  const value = constant.attributes.value;
  assert.equal(value.type, "tensor");
  assert.deepEqual(value.type === "tensor" && value.value.data, new BigInt64Array([1n]));
});

Deno.test("raw_data at unaligned offsets is copied and read correctly", async () => {
  const bytes = await Deno.readFile(ANY_ONNX);
  const proto = onnx.ModelProto.decode(bytes);
  const raw = proto.graph!.initializer!.find((t) =>
    t.dataType === DataType.FLOAT && t.rawData!.byteOffset % 4 !== 0
  );
  assert.ok(raw, "the mirror model has an unaligned float initializer");
  const rawData = raw.rawData!;
  const view = new DataView(rawData.buffer, rawData.byteOffset, rawData.byteLength);
  const tensor = decodeModel(bytes).graph.initializers.find((t) => t.name === raw.name)!;
  assert.equal(tensor.data.length, rawData.byteLength / 4);
  for (const i of [0, 1, tensor.data.length - 1]) {
    assert.equal(tensor.data[i], view.getFloat32(i * 4, true));
  }
});

extendedTest(
  "decode → encode → write round trip runs in ORT with identical logits",
  MIRROR,
  async () => {
    const model = await readModel(MINI_ONNX);
    const encoded = encodeModel(model);
    assert.deepEqual(decodeModel(encoded), model);
    // Same content, same size give or take protobuf field details.
    const original = (await Deno.stat(MINI_ONNX)).size;
    assert.ok(Math.abs(encoded.byteLength - original) < 0.01 * original);
    const dir = await Deno.makeTempDir();
    const path = join(dir, "model.onnx");
    const result = await writeModel(path, model);
    assert.equal(result.modelBytes, encoded.byteLength);
    assert.equal(result.externalDataPath, undefined);
    const [want, got] = await Promise.all([
      ort.InferenceSession.create(MINI_ONNX).then(runLogits),
      ort.InferenceSession.create(path).then(runLogits),
    ]);
    assert.equal(got.length, 4);
    assert.deepEqual(got, want);
    await Deno.remove(dir, { recursive: true });
  },
);

extendedTest("corrupt or foreign bytes raise OnnxDecodeError naming the file", MIRROR, async () => {
  const dir = await Deno.makeTempDir();
  const full = await Deno.readFile(MINI_ONNX);
  const cases: Record<string, Uint8Array> = {
    "truncated.onnx": full.subarray(0, 1_000_000),
    "config.onnx": new TextEncoder().encode('{"model_type": "distilbert"}'),
    "zeros.onnx": new Uint8Array(64),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const path = join(dir, name);
    await Deno.writeFile(path, bytes);
    await assert.rejects(readModel(path), (error: Error) => {
      assert.ok(error instanceof OnnxDecodeError, `${name}: ${error}`);
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /re-download|export/);
      return true;
    });
  }
  await Deno.remove(dir, { recursive: true });
});

extendedTest("external data: write, read back, and load in ORT", MIRROR, async () => {
  const model = await readModel(MINI_ONNX);
  const dir = await Deno.makeTempDir();
  const path = join(dir, "model.onnx");
  const result = await writeModel(path, model, { externalData: true });
  assert.equal(result.externalDataPath, join(dir, "model.onnx_data"));
  assert.ok(result.modelBytes < 200_000, `model file ${result.modelBytes} bytes`);
  assert.ok(result.externalDataBytes! > 40_000_000);
  assert.equal((await Deno.stat(result.externalDataPath!)).size, result.externalDataBytes);
  const proto = onnx.ModelProto.decode(await Deno.readFile(path));
  const words = proto.graph!.initializer!.find((t) =>
    t.name === "distilbert.embeddings.word_embeddings.weight"
  )!;
  assert.equal(words.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL);
  assert.equal(words.rawData?.length ?? 0, 0);
  const again = await readModel(path);
  assert.deepEqual(again.graph, model.graph);
  const [want, got] = await Promise.all([
    ort.InferenceSession.create(MINI_ONNX).then(runLogits),
    ort.InferenceSession.create(path).then(runLogits),
  ]);
  assert.deepEqual(got, want);
  await Deno.remove(dir, { recursive: true });
});

function externalModel(location: string): Uint8Array {
  const b = new GraphBuilder("g");
  const x = b.input("x", DataType.FLOAT, [256]);
  const w = b.initializer("secret.weight", DataType.FLOAT, [256]);
  b.output(b.op("Add", [x, w]), DataType.FLOAT, [256]);
  return encodeModelWithExternalData(createModel(b.build()), { location }).model;
}

Deno.test("external data that leaves the model folder is rejected", async () => {
  const root = await Deno.makeTempDir();
  const dir = join(root, "model");
  await mkdir(dir);
  await writeFile(join(root, "evil.bin"), new Uint8Array(1024));
  await symlink(join(root, "evil.bin"), join(dir, "link.bin"));
  const cases = {
    "../evil.bin": /contains '\.\.'/,
    [join(root, "evil.bin")]: /absolute path/,
    "sub/../../evil.bin": /contains '\.\.'/,
    "link.bin": /outside the model folder \(a symlink\?\)/,
  };
  for (const [location, why] of Object.entries(cases)) {
    const path = join(dir, "model.onnx");
    await writeFile(path, externalModel(location));
    await assert.rejects(readModel(path), (error: Error) => {
      assert.ok(error instanceof OnnxExternalDataError, String(error));
      assert.ok(error.message.includes('"secret.weight"'), error.message);
      assert.ok(error.message.includes(JSON.stringify(location)), error.message);
      assert.match(error.message, why);
      return true;
    });
  }
  // Without a folder to resolve against, decodeModel says what to pass.
  assert.throws(() => decodeModel(externalModel("w.bin")), /pass \{ baseDir \}/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("external data with wrong length or missing file is reported", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "model.onnx");
  await writeFile(path, externalModel("w.bin"));
  await assert.rejects(readModel(path), /external data file .*w\.bin is missing/);
  await writeFile(join(dir, "w.bin"), new Uint8Array(100));
  await assert.rejects(
    readModel(path),
    /w\.bin is 100 bytes, but the tensor needs bytes 0\.\.1024/,
  );
  const ones = new Float32Array(256).fill(1.25);
  await writeFile(join(dir, "w.bin"), new Uint8Array(ones.buffer));
  const model = await readModel(path);
  assert.deepEqual(model.graph.initializers[0].data, ones);
  // A length entry that disagrees with the tensor's dims.
  const proto = onnx.ModelProto.decode(await Deno.readFile(path));
  proto.graph!.initializer![0].externalData![2].value = "8";
  await writeFile(path, onnx.ModelProto.encode(proto).finish());
  await assert.rejects(readModel(path), /has length 8 but .* need 1024 bytes/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("typed data fields (not raw_data) decode for every element type", () => {
  const big = { low: -1, high: 0x7fffffff }; // INT64 max as a Long-like pair
  const tensors = [
    { name: "f", dataType: 1, dims: [2], floatData: [1.5, -2] },
    { name: "d", dataType: 11, dims: [2], doubleData: [0.1, -3] },
    { name: "i8", dataType: 3, dims: [3], int32Data: [-128, 0, 127] },
    { name: "u8", dataType: 2, dims: [2], int32Data: [0, 255] },
    { name: "i16", dataType: 5, dims: [1], int32Data: [-300] },
    { name: "u16", dataType: 4, dims: [1], int32Data: [65535] },
    { name: "h", dataType: 10, dims: [1], int32Data: [0x3c00] },
    { name: "bf", dataType: 16, dims: [1], int32Data: [0x3f80] },
    { name: "b", dataType: 9, dims: [2], int32Data: [1, 0] },
    { name: "i32", dataType: 6, dims: [1], int32Data: [-7] },
    { name: "i64", dataType: 7, dims: [2], int64Data: [-5, big] },
    { name: "u32", dataType: 12, dims: [1], uint64Data: [4000000000] },
    { name: "u64", dataType: 13, dims: [1], uint64Data: [{ low: -1, high: -1, unsigned: true }] },
    { name: "scalar", dataType: 1, dims: [], floatData: [7] },
    { name: "empty", dataType: 1, dims: [0, 4] },
  ];
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ version: 17 }],
    graph: { name: "g", initializer: tensors },
  }).finish();
  const got = Object.fromEntries(
    decodeModel(bytes).graph.initializers.map((t) => [t.name, t.data]),
  );
  assert.deepEqual(got.f, new Float32Array([1.5, -2]));
  assert.deepEqual(got.d, new Float64Array([0.1, -3]));
  assert.deepEqual(got.i8, new Int8Array([-128, 0, 127]));
  assert.deepEqual(got.u8, new Uint8Array([0, 255]));
  assert.deepEqual(got.i16, new Int16Array([-300]));
  assert.deepEqual(got.u16, new Uint16Array([65535]));
  assert.deepEqual(got.h, new Uint16Array([0x3c00]));
  assert.deepEqual(got.bf, new Uint16Array([0x3f80]));
  assert.deepEqual(got.b, new Uint8Array([1, 0]));
  assert.deepEqual(got.i32, new Int32Array([-7]));
  assert.deepEqual(got.i64, new BigInt64Array([-5n, 9223372036854775807n]));
  assert.deepEqual(got.u32, new Uint32Array([4000000000]));
  assert.deepEqual(got.u64, new BigUint64Array([18446744073709551615n]));
  assert.deepEqual(got.scalar, new Float32Array([7]));
  assert.deepEqual(got.empty, new Float32Array(0));
  const short = onnx.ModelProto.encode({
    irVersion: 8,
    graph: { name: "g", initializer: [{ name: "bad", dataType: 1, dims: [3], floatData: [1] }] },
  }).finish();
  assert.throws(() => decodeModel(short, { source: "bad.onnx" }), (error: Error) => {
    assert.ok(error instanceof OnnxDecodeError);
    assert.match(error.message, /bad\.onnx: initializer tensor "bad" has 1 values in float_data/);
    return true;
  });
});

Deno.test("attributes keep their kind through encode/decode", () => {
  const inner = new GraphBuilder("then");
  inner.output(inner.op("Identity", ["x"]), DataType.FLOAT, [1]);
  const b = new GraphBuilder("g");
  const x = b.input("x", DataType.FLOAT, [1]);
  const cond = b.input("cond", DataType.BOOL, []);
  const attributes = {
    f: attr.float(1),
    i: attr.int(1),
    big: attr.ints([Number.MAX_SAFE_INTEGER, 2 ** 63, -(2 ** 63), -1]),
    s: attr.string("héllo"),
    fs: attr.floats([0.5, -1]),
    ss: attr.strings(["a", "b"]),
    t: attr.tensor({ name: "", dataType: DataType.INT8, dims: [2], data: new Int8Array([-1, 2]) }),
  };
  const out = b.node("If", [cond], {
    name: "branch",
    attributes: { then_branch: attr.graph(inner.graph), else_branch: attr.graph(inner.graph) },
  })[0];
  b.node("Custom", [x], { domain: "kit.test", attributes, name: "custom" });
  b.output(out, DataType.FLOAT, [1]);
  const model: Model = createModel(b.build(), {
    extraOpsets: [{ domain: "kit.test", version: 1 }],
    metadata: { task: "mrpc" },
  });
  const again = decodeModel(encodeModel(model));
  const custom = again.graph.nodes.find((n) => n.name === "custom")!;
  assert.equal(custom.domain, "kit.test");
  assert.deepEqual(custom.attributes.f, { type: "float", value: 1 });
  assert.deepEqual(custom.attributes.i, { type: "int", value: 1 });
  assert.deepEqual(custom.attributes.big, {
    type: "ints",
    value: [Number.MAX_SAFE_INTEGER, 2 ** 63, -(2 ** 63), -1],
  });
  assert.deepEqual(custom.attributes.s, { type: "string", value: "héllo" });
  assert.deepEqual(custom.attributes.fs, { type: "floats", value: [0.5, -1] });
  assert.deepEqual(custom.attributes.ss, { type: "strings", value: ["a", "b"] });
  assert.deepEqual(custom.attributes.t, attributes.t);
  const branch = again.graph.nodes.find((n) => n.name === "branch")!;
  assert.equal(branch.attributes.then_branch.type, "graph");
  assert.deepEqual(again.metadata, { task: "mrpc" });
  assert.deepEqual(again.opsetImports, model.opsetImports);
  // INT64 max survives exactly on the wire.
  const proto = onnx.ModelProto.decode(encodeModel(model));
  const bigProto = proto.graph!.node!.find((n) => n.name === "custom")!.attribute!.find((a) =>
    a.name === "big"
  )!;
  assert.deepEqual(
    bigProto.ints!.map((v) => String(v)),
    ["9007199254740991", "9223372036854775807", "-9223372036854775808", "-1"],
  );
});

Deno.test("an empty model round-trips", () => {
  const model = createModel(createGraph("empty"), { opset: 13 });
  assert.deepEqual(decodeModel(encodeModel(model)), model);
});

Deno.test("writeModel external data: custom threshold and file name; bad names rejected", async () => {
  const b = new GraphBuilder("g");
  const x = b.input("x", DataType.FLOAT, [1024]);
  const big = b.initializer("big", DataType.FLOAT, [1024], new Float32Array(1024).fill(2));
  const mid = b.initializer("mid", DataType.FLOAT, [100], new Float32Array(100).fill(3));
  const small = b.initializer("small", DataType.FLOAT, [1], [4]);
  const y = b.op("Add", [b.op("Mul", [x, big]), b.op("ReduceSum", [mid])]);
  b.output(b.op("Add", [y, small]), DataType.FLOAT, [1024], { rename: "y" });
  const model = createModel(b.build());
  const dir = await Deno.makeTempDir();
  const path = join(dir, "m.onnx");
  const result = await writeModel(path, model, {
    externalData: { threshold: 400, location: "weights.bin" },
  });
  assert.equal(result.externalDataPath, join(dir, "weights.bin"));
  // big (4096 B) and mid (400 B) move out, 16-byte aligned; small stays inline.
  assert.equal(result.externalDataBytes, 4096 + 400);
  const proto = onnx.ModelProto.decode(await Deno.readFile(path));
  const location = Object.fromEntries(
    proto.graph!.initializer!.map((t) => [t.name, t.dataLocation ?? 0]),
  );
  assert.deepEqual(location, { big: 1, mid: 1, small: 0 });
  const again = await readModel(path);
  assert.deepEqual(again, model);
  const out = await (await ort.InferenceSession.create(path)).run({
    x: new ort.Tensor("float32", new Float32Array(1024).fill(1), [1024]),
  });
  assert.equal((out.y.data as Float32Array)[7], 2 + 300 + 4);
  for (const bad of ["../w.bin", "sub/w.bin", ""]) {
    await assert.rejects(
      writeModel(path, model, { externalData: { location: bad } }),
      /must be a plain file name/,
    );
  }
  await Deno.remove(dir, { recursive: true });
});
