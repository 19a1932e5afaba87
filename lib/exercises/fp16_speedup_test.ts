import assert from "node:assert/strict";
import { timeInterleaved } from "../bench/mod.ts";
import { convertToMixedPrecision, ortExecutedPrecision } from "../mixed/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { encodeModel } from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import { checkFp16Speedup } from "./fp16_speedup.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 2000,
  nLayers: 2,
  dim: 64,
  nHeads: 4,
  hiddenDim: 256,
  maxPositionEmbeddings: 64,
};

Deno.test("05: expecting ×2 from FP16 on ORT's CPU provider is not fixed, ×1 is", async () => {
  const fp32 = buildDistilBert(config, { seed: 5 });
  const fp16 = convertToMixedPrecision(fp32, { target: "fp16", onWarning: () => {} }).model;
  const ran = await ortExecutedPrecision(fp16);
  const fp16MatMuls = ran.rows
    .filter((r) => r.op.endsWith("MatMul") || r.op.endsWith("Gemm"))
    .reduce((n, r) => n + (r.byType.fp16 ?? 0), 0);
  assert.equal(fp16MatMuls, 0, "no FP16 GEMM in ORT's x86 CPU provider");
  const sessions = [await createSession(encodeModel(fp32)), await createSession(encodeModel(fp16))];
  try {
    const [a, b] = await timeInterleaved(sessions, {
      vocabSize: config.vocabSize,
      batches: [1],
      seq: 64,
      measure: { warmup: 3, iterations: 30, minTimeMs: 300 },
    });
    const measured = { fp32Ms: a.medianMs, fp16Ms: b.medianMs, fp16MatMuls };
    const broken = checkFp16Speedup({ expectedSpeedup: 2, ...measured });
    assert.equal(broken.passed, false, broken.toString());
    assert.match(broken.message, /ran 0 MatMul\/Gemm node\(s\) in FP16/);
    const fixed = checkFp16Speedup({ expectedSpeedup: 1, ...measured });
    assert.equal(fixed.passed, true, fixed.toString());
  } finally {
    for (const s of sessions) await s.session.release();
  }
});
