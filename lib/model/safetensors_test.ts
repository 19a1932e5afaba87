import assert from "node:assert/strict";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { defaultHubMirrorDir } from "../../tests/support/hub_server.ts";
import { parseDistilBertConfig } from "./config.ts";
import {
  parseSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  SafetensorsError,
  serializeSafetensors,
} from "./safetensors.ts";
import type { WeightMap } from "./weights.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const MINI = join(defaultHubMirrorDir(), "standin/distilbert-mini-uncased-mrpc/resolve/main");

/** safetensors bytes from a raw header object and a data section. */
function build(header: unknown, data: Uint8Array, lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

extendedTest("readSafetensors: the mini stand-in matches its config.json", MIRROR, async () => {
  const config = parseDistilBertConfig(await Deno.readTextFile(`${MINI}/config.json`));
  assert.deepEqual([config.dim, config.nLayers, config.hiddenDim], [256, 4, 1024]);
  const started = performance.now();
  const weights = await readSafetensors(`${MINI}/model.safetensors`);
  const ms = performance.now() - started;
  const { dim, hiddenDim } = config;
  assert.deepEqual(weights.get("distilbert.embeddings.word_embeddings.weight")!.shape, [
    config.vocabSize,
    dim,
  ]);
  assert.deepEqual(weights.get("distilbert.embeddings.position_embeddings.weight")!.shape, [
    config.maxPositionEmbeddings,
    dim,
  ]);
  for (let l = 0; l < config.nLayers; l++) {
    const p = `distilbert.transformer.layer.${l}`;
    assert.deepEqual(weights.get(`${p}.attention.q_lin.weight`)!.shape, [dim, dim]);
    assert.deepEqual(weights.get(`${p}.ffn.lin1.weight`)!.shape, [hiddenDim, dim]);
    assert.deepEqual(weights.get(`${p}.ffn.lin2.weight`)!.shape, [dim, hiddenDim]);
    assert.deepEqual(weights.get(`${p}.output_layer_norm.bias`)!.shape, [dim]);
  }
  assert.equal(
    weights.has(`distilbert.transformer.layer.${config.nLayers}.ffn.lin1.weight`),
    false,
  );
  assert.deepEqual(weights.get("classifier.weight")!.shape, [config.numLabels, dim]);
  assert.equal(weights.size, 4 + 16 * config.nLayers + 4);
  for (const [name, { shape, data }] of weights) {
    assert.equal(data.length, shape.reduce((a, b) => a * b, 1), name);
    assert.ok(data.every(Number.isFinite), name);
  }
  // the in-memory parser gives identical tensors
  const parsed = parseSafetensors(await Deno.readFile(`${MINI}/model.safetensors`));
  assert.deepEqual(parsed, weights);
  console.log(`mini model.safetensors (44.7 MB): ${weights.size} tensors in ${ms.toFixed(0)} ms`);
});

extendedTest(
  "safetensors weights equal the initializers of the stand-in's onnx/model.onnx",
  MIRROR,
  async () => {
    const weights = await readSafetensors(`${MINI}/model.safetensors`);
    const model = onnxProto.onnx.ModelProto.decode(await Deno.readFile(`${MINI}/onnx/model.onnx`));
    const initializers = new Map<string, { dims: number[]; data: Float32Array }>();
    for (const t of model.graph!.initializer!) {
      assert.equal(t.dataType, onnxProto.onnx.TensorProto.DataType.FLOAT, t.name!);
      const raw = t.rawData!;
      initializers.set(t.name!, {
        dims: t.dims!.map(Number),
        data: new Float32Array(raw.slice().buffer, 0, raw.length / 4),
      });
    }
    // 1. initializers that kept their state-dict name are bit-identical
    let named = 0;
    for (const [name, { dims, data }] of initializers) {
      const weight = weights.get(name);
      if (!weight) continue;
      assert.deepEqual(dims, weight.shape, name);
      assert.deepEqual(data, weight.data, name);
      named++;
    }
    const word = initializers.get("distilbert.embeddings.word_embeddings.weight")!;
    assert.deepEqual(word.data, weights.get("distilbert.embeddings.word_embeddings.weight")!.data);
    // 2. the exporter stored each Linear weight transposed as an `onnx::MatMul_*` initializer
    const transposed = (w: { shape: number[]; data: Float32Array }) => {
      const [rows, cols] = w.shape;
      const out = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) out[c * rows + r] = w.data[r * cols + c];
      }
      return out;
    };
    const linears = [...weights].filter(([name, w]) =>
      name.startsWith("distilbert.transformer.") && name.endsWith(".weight") && w.shape.length === 2
    );
    const matched = new Set<string>();
    for (const [name, { dims, data }] of initializers) {
      if (!name.startsWith("onnx::MatMul")) continue;
      const hit = linears.find(([n, w]) =>
        !matched.has(n) && w.shape[0] === dims[1] && w.shape[1] === dims[0] &&
        transposed(w).every((v, i) => Object.is(v, data[i]))
      );
      assert.ok(hit, `${name} is the transpose of no Linear weight`);
      matched.add(hit[0]);
    }
    assert.equal(named, 48);
    assert.equal(matched.size, linears.length);
    assert.equal(matched.size, 24);
    console.log(
      `onnx cross-check: ${named} named initializers bit-identical, ${matched.size} MatMul ` +
        "initializers equal the transposed Linear weights",
    );
  },
);

Deno.test("parseSafetensors: dtypes, metadata and serialize round trip", () => {
  const data = new Uint8Array(2 + 4 + 16 + 16 + 4);
  const view = new DataView(data.buffer);
  view.setUint16(0, 0x3f80, true); // BF16 1.0 at [0, 2)
  view.setUint16(2, 0xc000, true); // F16 -2.0 at [2, 4)
  view.setUint16(4, 0x3555, true); // F16 0.333251953125 at [4, 6)
  view.setFloat64(6, 0.1, true); // F64 at [6, 22)
  view.setFloat64(14, -4, true);
  view.setBigInt64(22, 511n, true); // I64 position ids at [22, 38)
  view.setBigInt64(30, 7n, true);
  view.setFloat32(38, 2.5, true); // F32 at [38, 42) — misaligned on purpose
  const bytes = build({
    __metadata__: { format: "pt" },
    bf: { dtype: "BF16", shape: [1], data_offsets: [0, 2] },
    half: { dtype: "F16", shape: [2], data_offsets: [2, 6] },
    dbl: { dtype: "F64", shape: [2, 1], data_offsets: [6, 22] },
    position_ids: { dtype: "I64", shape: [1, 2], data_offsets: [22, 38] },
    f: { dtype: "F32", shape: [], data_offsets: [38, 42] },
    empty: { dtype: "F32", shape: [0, 3], data_offsets: [42, 42] },
  }, data.subarray(0, 42));
  const header = parseSafetensorsHeader(bytes, bytes.length, "t.safetensors");
  assert.deepEqual(header.metadata, { format: "pt" });
  const weights = parseSafetensors(bytes, "t.safetensors");
  const values = Object.fromEntries([...weights].map(([k, v]) => [k, [...v.data]]));
  assert.deepEqual(values, {
    bf: [1],
    half: [-2, 0.333251953125],
    dbl: [Math.fround(0.1), -4],
    position_ids: [511, 7],
    f: [2.5],
    empty: [],
  });
  assert.deepEqual(weights.get("f")!.shape, []);
  const skipped = parseSafetensors(bytes, "t.safetensors", { integers: "skip" });
  assert.equal(skipped.has("position_ids"), false);
  assert.equal(skipped.size, 5);

  const roundTrip: WeightMap = new Map([
    ["a", { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) }],
    ["b", { shape: [1], data: new Float32Array([-0.5]) }],
  ]);
  const encoded = serializeSafetensors(roundTrip, { format: "pt" });
  assert.equal((8 + parseSafetensorsHeader(encoded, encoded.length).headerLength) % 8, 0);
  assert.deepEqual(parseSafetensors(encoded), roundTrip);
});

Deno.test("parseSafetensors: malformed headers are rejected with named errors", () => {
  const ok = { w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
  const eight = new Uint8Array(8);
  const json = new TextEncoder().encode(JSON.stringify(ok));
  const cases: [string, Uint8Array, RegExp][] = [
    ["shorter than 8 bytes", new Uint8Array(5), /is 5 bytes, too short/],
    ["huge header length", build(ok, eight, 2n ** 40n), /header length 1099511627776 is beyond/],
    ["header past the end", build(ok, eight, BigInt(json.length + 100)), /runs past the end/],
    ["not JSON", build(ok, eight, 3n), /not valid UTF-8 JSON/],
    ["JSON array", build([1], eight), /not a JSON object/],
    [
      "offset beyond data",
      build({ w: { dtype: "F32", shape: [2], data_offsets: [0, 16] } }, eight),
      /tensor "w": data_offsets \[0, 16\] are outside the data section of 8 bytes/,
    ],
    [
      "reversed offsets",
      build({ w: { dtype: "F32", shape: [0], data_offsets: [8, 4] } }, eight),
      /tensor "w": data_offsets \[8, 4\]/,
    ],
    [
      "shape/bytes mismatch",
      build({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, eight),
      /tensor "w": shape \[3\] of F32 needs 12 bytes but data_offsets span 8/,
    ],
    [
      "overlap",
      build({
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
      }, eight),
      /tensor "b" overlaps tensor "a"/,
    ],
    [
      "hole",
      build({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, eight),
      /bytes 0\.\.4 between .* and tensor "a" belong to no tensor/,
    ],
    [
      "trailing bytes",
      build({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, eight),
      /4 bytes after the last tensor/,
    ],
    [
      "unknown dtype",
      build({ w: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, eight),
      /tensor "w": dtype "C64" is not supported/,
    ],
    [
      "bad shape",
      build({ w: { dtype: "F32", shape: [-2], data_offsets: [0, 8] } }, eight),
      /tensor "w": shape \[-2\] is not a list of sizes/,
    ],
    [
      "bad metadata",
      build({ __metadata__: { n: 1 }, ...ok }, eight),
      /__metadata__\.n is not a string/,
    ],
    [
      "inexact integer",
      build(
        { w: { dtype: "I64", shape: [1], data_offsets: [0, 8] } },
        new Uint8Array(new BigInt64Array([2n ** 53n + 1n]).buffer),
      ),
      /tensor "w" \(I64\): value .* not exactly representable/,
    ],
  ];
  for (const [label, bytes, pattern] of cases) {
    assert.throws(() => parseSafetensors(bytes, "bad.safetensors"), (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, `${label}: ${error}`);
      assert.match(error.message, /^bad\.safetensors: /, label);
      assert.match(error.message, pattern, label);
      return true;
    });
  }
});

extendedTest(
  "readSafetensors: a truncated file is refused naming the tensor past its end",
  MIRROR,
  async () => {
    const full = await Deno.readFile(`${MINI}/model.safetensors`);
    const header = parseSafetensorsHeader(full, full.length);
    const last = [...header.tensors].sort((a, b) => b.end - a.end)[0];
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/cut.safetensors`;
      await Deno.writeFile(path, full.subarray(0, full.length - 100));
      // the header no longer fits the file: rejected before any tensor is read
      await assert.rejects(
        readSafetensors(path),
        new RegExp(`tensor "${last.name.replaceAll(".", "\\.")}".*outside the data section`),
      );
      await assert.rejects(readSafetensors(`${dir}/missing.safetensors`), SafetensorsError);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
