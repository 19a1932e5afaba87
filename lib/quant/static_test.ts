import assert from "node:assert/strict";
import { join } from "node:path";
import { DataType, encodeModel, type Model, readModel } from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import {
  compare,
  runModel,
  tinyModel,
  tokenBatches,
  WEIGHT_STEP_FACTOR as STEP,
} from "./_test_support.ts";
import { calibrate } from "./calibrate.ts";
import { quantizeDynamic } from "./dynamic.ts";
import { quantizeStatic } from "./static.ts";

const model = tinyModel();
const reference = await runModel(model, tokenBatches(6, { seed: 50 }));
const calibration = await calibrate(model, tokenBatches(20), {
  progress: false,
  quantizeActivationMatMuls: true,
});

async function assertFollowsFp32(q: Model, tolerance = 0.05): Promise<void> {
  const { maxDiff, scale } = compare(await runModel(q, tokenBatches(6, { seed: 50 })), reference);
  assert.ok(maxDiff < tolerance * STEP * scale, `max |Δlogit| ${maxDiff} vs logits up to ${scale}`);
}

/** Op types in ONNX Runtime's optimized graph ("all" level) of a model. */
async function fusedOps(q: Model): Promise<Map<string, number>> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "optimized.onnx");
    const s = await createSession(encodeModel(q), {
      intraOpThreads: 1,
      optimizedModelFilePath: path,
    });
    await s.session.release();
    const counts = new Map<string, number>();
    for (const n of (await readModel(path)).graph.nodes) {
      counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
    }
    return counts;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("quantizeStatic QDQ (default): runs in ORT, follows FP32, fuses into MatMulIntegerToFloat", async () => {
  const { model: q, report } = quantizeStatic(model, calibration);
  assert.equal(report.format, "qdq");
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(report.byOpType.MatMul, { quantized: 14, fp32: 4 });
  assert.deepEqual(report.byOpType.Gather, { quantized: 2, fp32: 2 });
  await assertFollowsFp32(q);
  const ops = q.graph.nodes.map((n) => n.opType);
  assert.ok(
    !ops.includes("MatMulInteger") && !ops.includes("Gemm") && ops.includes("QuantizeLinear"),
  );
  assert.ok(!q.graph.initializers.some((t) => t.dataType === DataType.INT32), "float biases");
  assert.ok(q.opsetImports.every((o) => o.domain !== "com.microsoft"), "QDQ is standard ONNX");
  const fused = await fusedOps(q);
  // The 12 encoder linears run on integer kernels. ORT first turns the 2-D head's MatMul + Add
  // into Gemm: pre_classifier becomes QGemm, the classifier (a graph output) a float Gemm over
  // the dequantized int8 weight — same numbers, and negligible time.
  const ran = JSON.stringify([...fused]);
  assert.equal(fused.get("MatMulIntegerToFloat"), 12, `ORT fused ${ran}`);
  assert.equal(fused.get("QGemm"), 1, `ORT fused ${ran}`);
});

Deno.test("quantizeStatic QDQ with int32 biases: Gemm, fused into QGemm", async () => {
  const { model: q, report } = quantizeStatic(model, calibration, { qdqBias: "int32" });
  assert.deepEqual(report.byOpType.MatMul, { quantized: 14, fp32: 4 });
  await assertFollowsFp32(q);
  assert.ok(q.graph.nodes.some((n) => n.opType === "Gemm"));
  assert.ok(q.graph.initializers.some((t) => t.name.endsWith(".bias_quantized")), "int32 biases");
  const fused = await fusedOps(q);
  assert.equal(fused.get("QGemm"), 14, `ORT fused ${JSON.stringify([...fused])}`);
});

Deno.test("quantizeStatic rejects qdqBias with the QOperator format", () => {
  assert.throws(
    () => quantizeStatic(model, calibration, { format: "qoperator", qdqBias: "int32" }),
    /qdqBias applies to the QDQ format only/,
  );
});

Deno.test("quantizeStatic QOperator: MatMulIntegerToFloat with the bias inside", async () => {
  const { model: q, report } = quantizeStatic(model, calibration, { format: "qoperator" });
  assert.equal(report.format, "qoperator");
  assert.equal(report.counts.quantized, 16);
  await assertFollowsFp32(q);
  const linear = q.graph.nodes.filter((n) => n.opType === "MatMulIntegerToFloat");
  assert.equal(linear.length, 14);
  assert.ok(linear.every((n) => n.inputs[6]?.endsWith(".bias")), "bias fused into every linear");
  assert.ok(q.opsetImports.some((o) => o.domain === "com.microsoft"));
  assert.match(
    report.nodes.find((n) => n.quantized && n.opType === "MatMul")!.scheme!,
    /bias fused/,
  );
});

Deno.test("quantizeDynamic: ORT fuses its standard ONNX form into integer kernels", async () => {
  const fused = await fusedOps(quantizeDynamic(model).model);
  const integer = (fused.get("MatMulIntegerToFloat") ?? 0) +
    (fused.get("DynamicQuantizeMatMul") ?? 0);
  assert.equal(integer, 14, `ORT fused ${JSON.stringify([...fused])}`);
  assert.equal(fused.get("MatMulInteger"), undefined);
});

Deno.test("quantizeStatic: int8 activations run in both formats", async () => {
  for (const format of ["qdq", "qoperator"] as const) {
    const { model: q, report } = quantizeStatic(model, calibration, {
      format,
      activationType: "int8",
    });
    assert.equal(report.counts.quantized, 16, format);
    assert.match(report.warnings.join(" "), /int8 activations/);
    await assertFollowsFp32(q);
  }
});

Deno.test("quantizeStatic: attention MatMuls on request (u8 × s8), both formats", async () => {
  for (const format of ["qdq", "qoperator"] as const) {
    const { model: q, report } = quantizeStatic(model, calibration, {
      format,
      quantizeActivationMatMuls: true,
    });
    assert.deepEqual(report.byOpType.MatMul, { quantized: 18, fp32: 0 }, format);
    assert.match(
      report.nodes.find((n) => n.node.endsWith("attention/MatMul"))!.scheme!,
      /two activations/,
    );
    await assertFollowsFp32(q, 0.08);
  }
});

Deno.test("quantizeStatic: no range means FP32 with the reason; excluded nodes stay FP32", async () => {
  const { report } = quantizeStatic(model, {});
  assert.equal(report.byOpType.MatMul.quantized, 0);
  assert.equal(report.byOpType.Gather.quantized, 2, "embeddings need no activation range");
  assert.match(report.nodes.find((n) => n.opType === "MatMul")!.reason!, /no calibration range/);
  const name = "/distilbert/transformer/layer.0/attention/k_lin/MatMul";
  const excluded = quantizeStatic(model, new Map(Object.entries(calibration.ranges)), {
    excludeNodes: [name],
  });
  assert.equal(excluded.model.graph.nodes.find((n) => n.name === name)?.opType, "MatMul");
  assert.equal(excluded.report.byOpType.MatMul.quantized, 13);
  await assertFollowsFp32(excluded.model);
});
