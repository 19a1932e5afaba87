import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import {
  attr,
  createModel,
  DataType,
  encodeModel,
  GraphBuilder,
  type Model,
  modelTensorBytes,
} from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import {
  compare,
  runModel,
  tinyModel,
  tokenBatches,
  WEIGHT_STEP_FACTOR as STEP,
} from "./_test_support.ts";
import { quantizeDynamic } from "./dynamic.ts";
import { QuantOptionsError } from "./options.ts";
import { QuantizerRegistry } from "./quantizer_registry.ts";
import { defaultQuantizers } from "./builtin_quantizers.ts";

const model = tinyModel();
const TINY_HIDDEN = 64;
const reference = await runModel(model, tokenBatches(6, { seed: 50 }));

Deno.test("quantizeDynamic: the tiny DistilBERT runs in ORT and follows FP32", async () => {
  const before = modelTensorBytes(model);
  const { model: q, report } = quantizeDynamic(model);
  const { maxDiff, scale } = compare(await runModel(q, tokenBatches(6, { seed: 50 })), reference);
  assert.ok(maxDiff < 0.05 * STEP * scale, `max |Δlogit| ${maxDiff} vs logits up to ${scale}`);
  // 2 layers × 6 linears + pre_classifier + classifier, word + position embeddings.
  assert.deepEqual(report.byOpType.MatMul, { quantized: 14, fp32: 4 });
  assert.deepEqual(report.byOpType.Gather, { quantized: 2, fp32: 2 });
  assert.equal(report.approach, "dynamic");
  const attention = report.nodes.find((n) => n.node.endsWith("attention/MatMul"))!;
  assert.match(attention.reason!, /both inputs are activations/);
  const ops = new Set(q.graph.nodes.map((n) => n.opType));
  for (const op of ["DynamicQuantizeLinear", "MatMulInteger", "Cast", "DequantizeLinear"]) {
    assert.ok(ops.has(op), `${op} written`);
  }
  // One DynamicQuantizeLinear per distinct activation: q/k/v share theirs.
  const dql = q.graph.nodes.filter((n) => n.opType === "DynamicQuantizeLinear").length;
  assert.equal(dql, 2 * 4 + 2);
  assert.ok(
    report.weightBytes.after < 0.3 * before,
    `${report.weightBytes.after} of ${before} bytes`,
  );
  assert.equal(modelTensorBytes(model), before, "the input model is unchanged");
  assert.ok(model.graph.nodes.every((n) => n.opType !== "MatMulInteger"));
});

Deno.test("quantizeDynamic: an excluded node stays FP32 with its float weight", async () => {
  const name = "/distilbert/transformer/layer.1/ffn/lin2/MatMul";
  const { model: q, report } = quantizeDynamic(model, { excludeNodes: [name] });
  const node = q.graph.nodes.find((n) => n.name === name);
  assert.equal(node?.opType, "MatMul");
  const weight = q.graph.initializers.find((t) => t.name === node!.inputs[1]);
  assert.equal(weight?.dataType, DataType.FLOAT);
  const entry = report.nodes.find((n) => n.node === name)!;
  assert.deepEqual([entry.quantized, entry.reason], [false, "excluded by options (excludeNodes)"]);
  assert.equal(report.byOpType.MatMul.quantized, 13);
  const { maxDiff, scale } = compare(await runModel(q, tokenBatches(6, { seed: 50 })), reference);
  assert.ok(maxDiff < 0.05 * STEP * scale);
});

Deno.test("quantizeDynamic: includeNodes quantizes one node only", () => {
  const name = "/distilbert/transformer/layer.0/attention/q_lin/MatMul";
  const { report } = quantizeDynamic(model, { includeNodes: [name] });
  assert.deepEqual(report.counts.quantized, 1);
  assert.equal(report.nodes.find((n) => n.quantized)?.node, name);
});

Deno.test("quantizeDynamic: per-channel vs per-tensor weight scales", async () => {
  const perChannel = quantizeDynamic(model, { quantizeEmbeddings: false });
  const perTensor = quantizeDynamic(model, { perChannel: false, quantizeEmbeddings: false });
  const scaleOf = (m: Model) =>
    m.graph.initializers.find((t) =>
      t.name === "distilbert.transformer.layer.0.ffn.lin1.weight_scale"
    )!;
  assert.deepEqual(scaleOf(perChannel.model).dims, [TINY_HIDDEN]);
  assert.deepEqual(scaleOf(perTensor.model).dims, []);
  const a = compare(await runModel(perChannel.model, tokenBatches(6, { seed: 50 })), reference);
  const b = compare(await runModel(perTensor.model, tokenBatches(6, { seed: 50 })), reference);
  assert.ok(
    a.maxDiff < 0.05 * STEP * a.scale && b.maxDiff < 0.08 * STEP * b.scale,
    `${a.maxDiff} ${b.maxDiff}`,
  );
  assert.match(perTensor.report.nodes.find((n) => n.quantized)!.scheme!, /per-tensor/);
  assert.equal(perChannel.report.byOpType.Gather.quantized, 0);
});

Deno.test("quantizeDynamic: Gemm with transB (a torch-exported nn.Linear) matches FP32", async () => {
  const b = new GraphBuilder("gemm");
  const x = b.input("x", DataType.FLOAT, ["n", 8]);
  const w = b.initializer(
    "w",
    DataType.FLOAT,
    [3, 8],
    Array.from({ length: 24 }, (_, i) => Math.sin(i)),
  );
  const c = b.initializer("c", DataType.FLOAT, [3], [0.5, -0.25, 1]);
  const y = b.op("Gemm", [x, w, c], { attributes: { transB: attr.int(1) } });
  b.output(y, DataType.FLOAT, ["n", 3], { rename: "y" });
  const fp32 = createModel(b.build(), { opset: 14 });
  const { model: q, report } = quantizeDynamic(fp32);
  assert.deepEqual(report.counts, { quantized: 1, fp32: 0 });
  const feed = Float32Array.from({ length: 16 }, (_, i) => Math.cos(i));
  const run = async (m: Model) => {
    const s = await createSession(encodeModel(m), { intraOpThreads: 1 });
    const out = await s.session.run({ x: new ort.Tensor("float32", feed, [2, 8]) });
    return out.y.data as Float32Array;
  };
  const { maxDiff } = compare(await run(q), await run(fp32));
  assert.ok(maxDiff < 0.05 * STEP, `max |Δ| ${maxDiff}`);
});

Deno.test("quantizeDynamic: rejects int8 activations and a format", () => {
  assert.throws(() => quantizeDynamic(model, { activationType: "int8" }), QuantOptionsError);
  assert.throws(
    () => quantizeDynamic(model, { format: "qdq" } as Parameters<typeof quantizeDynamic>[1]),
    QuantOptionsError,
  );
});

Deno.test("quantizeDynamic: a registry decides which op types are quantized", () => {
  const calls: string[] = [];
  const registry = defaultQuantizers().replace({
    opType: "Gather",
    activationInputs: () => [],
    quantize: (node) => {
      calls.push(node.name);
      return { quantized: false, reason: "custom" };
    },
  });
  const { report } = quantizeDynamic(model, { registry });
  assert.equal(calls.length, 4);
  assert.ok(report.nodes.filter((n) => n.opType === "Gather").every((n) => n.reason === "custom"));
  const none = quantizeDynamic(model, { registry: new QuantizerRegistry() });
  assert.deepEqual(none.report.counts, { quantized: 0, fp32: 0 });
});
