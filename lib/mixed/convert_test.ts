import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import {
  attr,
  createModel,
  DataType,
  encodeModel,
  float32ToBfloat16,
  float32ToFloat16,
  getAttribute,
  type Graph,
  GraphBuilder,
  GraphIndex,
  type Model,
} from "../onnx/mod.ts";
import { ampCategories, AmpCategoryError, DEFAULT_AMP_CATEGORIES } from "./categories.ts";
import { convertToMixedPrecision } from "./convert.ts";
import { MixedPrecisionError } from "./errors.ts";
import { inferElemTypes } from "./elem_types.ts";
import { removeRedundantCasts } from "./casts.ts";
import { planMixedPrecision } from "./plan.ts";

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed * 7.1 + i * 1.3) * 0.5;
  return out;
}

/**
 * One node of every kind the converter distinguishes, named after what it is:
 *
 *   x ─ mm1(MatMul) ─ add1(Add b1) ─ relu1 ─ reshape ─ softmax(fp32) ─ mm2(MatMul) ─┐
 *   x ──────────────────────────────────────────────────────────── residual(Add) ───┴─ sin(unlisted)
 *   sin ─ mm3(MatMul W3) ─ orig_cast(Cast to FLOAT) ─ mm4(MatMul W4) ─ relu2 ─ y2
 *                                       └─ excluded(MatMul W3, excluded) ─┐
 *                                               mm4 ─────────── out_add ──┴─ y
 */
function everyCategoryModel(): Model {
  const b = new GraphBuilder("every_category");
  const x = b.input("x", DataType.FLOAT, [2, 4]);
  const w = (name: string, seed: number) =>
    b.initializer(name, DataType.FLOAT, [4, 4], values(16, seed));
  const w1 = w("W1", 1), w2 = w("W2", 2), w3 = w("W3", 3), w4 = w("W4", 4);
  const b1 = b.initializer("b1", DataType.FLOAT, [4], values(4, 5));
  const shape = b.initializer("shape", DataType.INT64, [2], [2n, 4n]);
  const mm1 = b.op("MatMul", [x, w1], { name: "mm1" });
  const add1 = b.op("Add", [mm1, b1], { name: "add1" });
  const relu1 = b.op("Relu", [add1], { name: "relu1" });
  const reshape = b.op("Reshape", [relu1, shape], { name: "reshape" });
  const softmax = b.op("Softmax", [reshape], {
    name: "softmax",
    attributes: { axis: attr.int(-1) },
  });
  const mm2 = b.op("MatMul", [softmax, w2], { name: "mm2" });
  const residual = b.op("Add", [mm2, x], { name: "residual" });
  const sin = b.op("Sin", [residual], { name: "sin" });
  const mm3 = b.op("MatMul", [sin, w3], { name: "mm3" });
  const origCast = b.op("Cast", [mm3], {
    name: "orig_cast",
    attributes: { to: attr.int(DataType.FLOAT) },
  });
  const mm4 = b.op("MatMul", [origCast, w4], { name: "mm4" });
  const excluded = b.op("MatMul", [origCast, w3], { name: "excluded" });
  const out = b.op("Add", [mm4, excluded], { name: "out_add" });
  const relu2 = b.op("Relu", [mm4], { name: "relu2" });
  b.output(out, DataType.FLOAT, [2, 4], { rename: "y" });
  b.output(relu2, DataType.FLOAT, [2, 4], { rename: "y2" });
  return createModel(b.build(), { opset: 17 });
}

/** Each Cast as `producer -> Cast(to) -> consumers`, sorted. */
function castEdges(graph: Graph): string[] {
  const index = new GraphIndex(graph);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const tag: Record<number, string> = { 1: "fp32", 10: "fp16", 16: "bf16" };
  return graph.nodes.filter((n) => n.opType === "Cast").map((n) => {
    const from = index.producer(n.inputs[0])?.name ?? n.inputs[0];
    const to = index.consumers(n.outputs[0]).map((c) => c.name);
    if (outputs.has(n.outputs[0])) to.push(`output ${n.outputs[0]}`);
    return `${from} -> ${tag[getAttribute(n, "to", "int")]} -> ${to.sort().join(",")}`;
  }).sort();
}

const silent = { onWarning: () => {} };

Deno.test("every category: Casts exactly at the fp16/fp32 boundaries, nowhere else", () => {
  const source = everyCategoryModel();
  const { model, report } = convertToMixedPrecision(source, {
    target: "fp16",
    runtime: "any",
    excludeNodes: ["excluded"],
    ...silent,
  });
  const precision = Object.fromEntries(report.nodes.map((n) => [n.name, n.precision]));
  assert.deepEqual(precision, {
    mm1: "fp16", // lower precision
    add1: "fp16", // fallthrough: fp16 input + constant bias
    relu1: "fp16",
    reshape: "fp16",
    softmax: "fp32", // fp32 op
    mm2: "fp16",
    residual: "fp32", // fallthrough with fp16 and fp32 inputs: the widest wins
    sin: "fp32", // in no list
    mm3: "fp16",
    orig_cast: "fp16", // a Cast reads any type
    mm4: "fp16",
    excluded: "fp32", // excludeNodes
    out_add: "fp32",
    relu2: "fp16",
  });
  assert.deepEqual(castEdges(model.graph), [
    "mm2 -> fp32 -> residual",
    "mm3 -> fp32 -> excluded", // the model's own Cast, still needed by the excluded node
    "mm4 -> fp32 -> out_add",
    "relu2 -> fp32 -> output y2",
    "reshape -> fp32 -> softmax",
    "sin -> fp16 -> mm3",
    "softmax -> fp16 -> mm2",
    "x -> fp16 -> mm1",
  ]);
  // mm4 reads mm3 directly: the fp16 → fp32 → fp16 round trip through orig_cast was removed.
  const index = new GraphIndex(model.graph);
  assert.equal(
    index.producer(model.graph.nodes.find((n) => n.name === "mm4")!.inputs[0])?.name,
    "mm3",
  );
  assert.equal(report.casts.original, 1);
  assert.equal(report.casts.inserted, 8);
  assert.equal(report.casts.removed.roundTrips, 1);
  assert.equal(report.casts.final, 8);
  // Graph inputs and outputs stay float32.
  assert.deepEqual(model.graph.inputs.map((v) => v.elemType), [DataType.FLOAT]);
  assert.deepEqual(model.graph.outputs.map((v) => [v.name, v.elemType]), [
    ["y", DataType.FLOAT],
    ["y2", DataType.FLOAT],
  ]);
  // Weights: W1, W2, W4, b1 converted in place; W3 is read by mm3 (fp16) and the excluded node
  // (fp32), so it is kept and an fp16 copy added.
  const inits = Object.fromEntries(model.graph.initializers.map((t) => [t.name, t]));
  for (const name of ["W1", "W2", "W4", "b1"]) {
    assert.equal(inits[name].dataType, DataType.FLOAT16, name);
    assert.deepEqual(
      inits[name].data,
      float32ToFloat16(
        source.graph.initializers.find((t) => t.name === name)!.data as Float32Array,
      ),
    );
  }
  assert.equal(inits.W3.dataType, DataType.FLOAT);
  assert.equal(inits.W3_fp16.dataType, DataType.FLOAT16);
  assert.equal(report.data.initializers.copied, 1);
  assert.equal(
    report.data.initializers.bytesAfter,
    report.data.initializers.bytesBefore - 3 * 32 - 8 + 32,
  );
  // The input model is untouched.
  assert.ok(source.graph.initializers.every((t) => t.dataType !== DataType.FLOAT16));
  assert.equal(source.graph.nodes.filter((n) => n.opType === "Cast").length, 1);
});

Deno.test("every category: keepIoFp32 false moves the boundary Casts to the other side", () => {
  const { model } = convertToMixedPrecision(everyCategoryModel(), {
    target: "fp16",
    runtime: "any",
    excludeNodes: ["excluded"],
    keepIoFp32: false,
    ...silent,
  });
  assert.deepEqual(model.graph.inputs.map((v) => v.elemType), [DataType.FLOAT16]);
  assert.deepEqual(model.graph.outputs.map((v) => v.elemType), [
    DataType.FLOAT16,
    DataType.FLOAT16,
  ]);
  // With x in fp16 the residual Add's inputs are both fp16, so it runs in fp16 and the boundary
  // moves to the unlisted Sin.
  assert.deepEqual(castEdges(model.graph), [
    "mm3 -> fp32 -> excluded",
    "mm4 -> fp32 -> out_add",
    "out_add -> fp16 -> output y",
    "reshape -> fp32 -> softmax",
    "residual -> fp32 -> sin",
    "sin -> fp16 -> mm3",
    "softmax -> fp16 -> mm2",
  ]);
});

Deno.test("every category: bf16 on ORT's CPU emulates missing kernels between the kit's Casts", () => {
  const { model, report } = convertToMixedPrecision(everyCategoryModel(), {
    target: "bf16",
    excludeNodes: ["excluded"],
    ...silent,
  });
  const byName = Object.fromEntries(report.nodes.map((n) => [n.name, n]));
  assert.equal(byName.mm1.compute, "kit-casts"); // ORT has no bf16 MatMul
  assert.equal(byName.reshape.compute, "native"); // but has a bf16 Reshape
  assert.equal(byName.softmax.compute, "fp32");
  // mm1 computes in float32 on bf16-rounded operands, and its result is rounded to bf16.
  const index = new GraphIndex(model.graph);
  const types = inferElemTypes(model.graph);
  const mm1 = model.graph.nodes.find((n) => n.name === "mm1")!;
  for (const input of mm1.inputs) {
    const cast = index.producer(input)!;
    assert.deepEqual([cast.opType, getAttribute(cast, "to", "int")], ["Cast", DataType.FLOAT]);
    assert.equal(types.get(cast.inputs[0]), DataType.BFLOAT16);
  }
  const after = index.consumers(mm1.outputs[0]);
  assert.deepEqual(after.map((c) => [c.opType, getAttribute(c, "to", "int")]), [
    ["Cast", DataType.BFLOAT16],
  ]);
  const w1 = model.graph.initializers.find((t) => t.name === "W1")!;
  assert.equal(w1.dataType, DataType.BFLOAT16);
  assert.deepEqual(w1.data, float32ToBfloat16(values(16, 1)));
});

Deno.test("missingKernels fp32: ops the runtime lacks go to the FP32 category", () => {
  const plan = planMixedPrecision(everyCategoryModel().graph, {
    target: "fp16",
    missingKernels: "fp32",
  });
  const byName = Object.fromEntries(plan.nodes.map((n) => [n.name, n]));
  assert.equal(byName.mm1.precision, "fp32");
  assert.match(byName.mm1.reason, /runtime lacks a fp16 kernel/);
  assert.equal(byName.mm1.category, "lowerPrecision");
  // Reshape has a native fp16 kernel, but its input (relu1, in fp32 now) decides.
  assert.equal(byName.reshape.precision, "fp32");
});

async function run(model: Model, x: Float32Array): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ["cpu"],
  });
  try {
    const out = await session.run({ x: new ort.Tensor("float32", x, [2, 4]) });
    return Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]),
    );
  } finally {
    await session.release();
  }
}

Deno.test("every category: ONNX Runtime runs the fp16 and bf16 models close to fp32", async () => {
  const source = everyCategoryModel();
  const x = values(8, 9);
  const reference = await run(source, x);
  for (const [target, tolerance] of [["fp16", 5e-3], ["bf16", 4e-2]] as const) {
    const { model } = convertToMixedPrecision(source, {
      target,
      excludeNodes: ["excluded"],
      ...silent,
    });
    const out = await run(model, x);
    for (const name of ["y", "y2"]) {
      const error = Math.max(...out[name].map((v, i) => Math.abs(v - reference[name][i])));
      assert.ok(error < tolerance, `${target} ${name}: max |error| ${error}`);
      assert.ok(error > 0, `${target} ${name}: lower precision changes the result a little`);
    }
  }
});

Deno.test("fp16 clamps large constants to ±65504 and warns with the tensor names", () => {
  const b = new GraphBuilder();
  const x = b.input("x", DataType.FLOAT, [3]);
  const big = b.initializer("big", DataType.FLOAT, [3], [1e5, -7e4, 1]);
  const fine = b.initializer("fine", DataType.FLOAT, [3], [1, 2, 3]);
  const y = b.op("Add", [
    b.op("Mul", [
      b.op("MatMul", [
        x,
        b.initializer("eye", DataType.FLOAT, [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]),
      ]),
      big,
    ]),
    fine,
  ]);
  b.output(y, DataType.FLOAT);
  const warnings: string[] = [];
  const { model, report } = convertToMixedPrecision(createModel(b.build()), {
    target: "fp16",
    runtime: "any",
    onWarning: (m) => warnings.push(m),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /FP16: clamped 2 value\(s\) beyond ±65504/);
  assert.match(warnings[0], /"big" \(2, max \|x\| 1\.000e\+5\)/);
  assert.doesNotMatch(warnings[0], /"fine"/);
  assert.deepEqual(report.data.clamped, [{ tensor: "big", count: 2, maxAbs: 1e5 }]);
  const bits = model.graph.initializers.find((t) => t.name === "big")!.data;
  assert.deepEqual([...bits], [0x7bff, 0xfbff, 0x3c00]);
});

Deno.test("bf16 rounds float32's lowest to -Infinity and says so; saturate clamps instead", () => {
  const b = new GraphBuilder();
  const x = b.input("x", DataType.FLOAT, [2]);
  const lowest = b.initializer("mask_value", DataType.FLOAT, [1], [-3.4028234663852886e38]);
  b.output(
    b.op("Add", [
      b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [2, 2], [1, 0, 0, 1])]),
      lowest,
    ]),
    DataType.FLOAT,
  );
  const model = createModel(b.build());
  const warnings: string[] = [];
  const rne = convertToMixedPrecision(model, {
    target: "bf16",
    runtime: "any",
    onWarning: (m) => warnings.push(m),
  });
  assert.match(warnings[0], /BF16: 1 finite value\(s\) rounded to ±Infinity .*"mask_value"/);
  assert.deepEqual([...rne.model.graph.initializers.find((t) => t.name === "mask_value")!.data], [
    0xff80,
  ]);
  const clamped = convertToMixedPrecision(model, {
    target: "bf16",
    runtime: "any",
    saturate: true,
    ...silent,
  });
  assert.deepEqual(
    [...clamped.model.graph.initializers.find((t) => t.name === "mask_value")!.data],
    [0xff7f],
  );
  assert.equal(clamped.report.data.clamped[0].count, 1);
});

Deno.test("removeRedundantCasts: no-ops, duplicates and exact round trips go, lossy pairs stay", () => {
  const b = new GraphBuilder();
  const x = b.input("x", DataType.FLOAT, [2]);
  const z = b.input("z", DataType.FLOAT, [2]);
  const cast = (v: string, to: number) => b.op("Cast", [v], { attributes: { to: attr.int(to) } });
  const noop = cast(x, DataType.FLOAT); // x is already float32
  const lossy = cast(cast(noop, DataType.FLOAT16), DataType.FLOAT); // rounds x: must stay
  const h1 = cast(z, DataType.FLOAT16);
  const h2 = cast(z, DataType.FLOAT16); // duplicate of h1
  const back = cast(cast(h2, DataType.FLOAT), DataType.FLOAT16); // exact round trip of h2
  const sum = b.op("Add", [h1, back], { name: "sum16" });
  b.output(b.op("Add", [lossy, cast(sum, DataType.FLOAT)]), DataType.FLOAT);
  const graph = b.build();
  const removed = removeRedundantCasts(graph);
  assert.deepEqual(
    [removed.noOps, removed.duplicates, removed.roundTrips, removed.dead],
    [1, 1, 1, 1],
  );
  const types = inferElemTypes(graph);
  const casts = graph.nodes.filter((n) => n.opType === "Cast")
    .map((n) =>
      `${n.inputs[0] === "x" || n.inputs[0] === "z" ? n.inputs[0] : types.get(n.inputs[0])}->${
        getAttribute(n, "to", "int")
      }`
    );
  assert.deepEqual(casts.sort(), ["10->1", "10->1", "x->10", "z->10"]);
  const add = graph.nodes.find((n) => n.name === "sum16")!;
  assert.equal(add.inputs[0], add.inputs[1], "both operands read the one fp16 Cast of z");
});

Deno.test("the category registry rejects an op in two lists and names it", () => {
  assert.throws(
    () => ampCategories({ fp32Ops: [...DEFAULT_AMP_CATEGORIES.fp32, "MatMul"] }),
    (e) =>
      e instanceof AmpCategoryError &&
      /"MatMul" is in both the lowerPrecision and the fp32/.test(e.message),
  );
});

Deno.test("excludeNodes with a name the graph lacks is an error naming it", () => {
  assert.throws(
    () => convertToMixedPrecision(everyCategoryModel(), { target: "fp16", excludeNodes: ["mm9"] }),
    (e) =>
      e instanceof MixedPrecisionError &&
      /"mm9", not nodes of graph "every_category"/.test(e.message),
  );
});

Deno.test("bf16 needs opset 13 for its Casts", () => {
  const model = everyCategoryModel();
  model.opsetImports[0].version = 12;
  assert.throws(
    () => convertToMixedPrecision(model, { target: "bf16" }),
    (e) => e instanceof MixedPrecisionError && /opset 12.*opset ≥ 13/.test(e.message),
  );
});
