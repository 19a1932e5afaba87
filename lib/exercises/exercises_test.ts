/**
 * Each checker on the broken setting (not fixed) and on the fix (fixed), with the quantities
 * computed by the kit itself, as the notebooks do.
 */
import assert from "node:assert/strict";
import { buildDistilBert, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
import {
  calibrate,
  computeQuantParams,
  computeQuantParamsPerChannel,
  dequantizeLinear,
  quantizeLinear,
} from "../quant/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";
import {
  checkCalibrationCoverage,
  checkFp8Choice,
  checkInt8Scale,
  checkPerChannelWeights,
  checkQatLearningRate,
} from "./mod.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 2000,
  nLayers: 2,
  dim: 32,
  nHeads: 4,
  hiddenDim: 64,
};
const weights = randomDistilBertWeights(config, { seed: 5 });
const q = weights.get("distilbert.transformer.layer.0.attention.q_lin.weight")!;

Deno.test("00: INT8 scale max/255 clips, max/127 is fixed", () => {
  const row = q.data.subarray(0, 32);
  const maxAbs = row.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.equal(checkInt8Scale({ weights: row, scale: maxAbs / 255 }).passed, false);
  assert.equal(checkInt8Scale({ weights: row, scale: maxAbs / 127 }).passed, true);
});

Deno.test("00: FP8 E5M2 for weights is not fixed, E4M3 is", () => {
  assert.equal(checkFp8Choice({ values: q.data, format: "fp8-e5m2" }).passed, false);
  assert.equal(checkFp8Choice({ values: q.data, format: "fp8-e4m3" }).passed, true);
});

Deno.test("01: per-tensor weight scales are not fixed, per-channel ones are", () => {
  // ONNX layout [in, out]; give one output column much smaller weights.
  const w = Float32Array.from(q.data, (v, i) => (i % 32 === 3 ? v / 20 : v));
  const dims = [32, 32] as const;
  for (const perChannel of [false, true]) {
    const params = perChannel
      ? computeQuantParamsPerChannel({ data: w, dims, axis: 1, type: "int8", symmetric: true })
      : computeQuantParams({
        min: Math.min(...w),
        max: Math.max(...w),
        type: "int8",
        symmetric: true,
      });
    const x = quantizeLinear({ x: w, dims, ...params });
    const restored = dequantizeLinear({ x, dims, ...params });
    const check = checkPerChannelWeights({ weight: w, dims, scale: params.scale, restored });
    assert.equal(check.passed, perChannel, check.message);
  }
});

Deno.test("01: calibrating on one example is not fixed, on 64 it is", async () => {
  const model = buildDistilBert(config, { seed: 5 });
  const batches = (seed: number) =>
    Array.from(
      { length: 8 },
      (_, i) => syntheticBatch({ size: 8, seqLen: 16, vocabSize: 2000, seed: seed + i }),
    );
  const observed = (await calibrate(model, batches(100), { progress: false })).ranges;
  const one = (await calibrate(model, batches(0), { size: 1, progress: false })).ranges;
  const many = (await calibrate(model, batches(0), { size: 64, progress: false })).ranges;
  assert.equal(checkCalibrationCoverage({ calibrated: one, observed }).passed, false);
  assert.equal(checkCalibrationCoverage({ calibrated: many, observed }).passed, true);
});

Deno.test("06: a 10× QAT learning rate is not fixed, the fine-tuning rate is", () => {
  // DistilBERT-like weights (std 0.02 → int8 steps around 5e-4 per output channel).
  const { scale } = computeQuantParamsPerChannel({
    data: q.data,
    dims: q.shape,
    axis: 0,
    type: "int8",
    symmetric: true,
  });
  assert.equal(checkQatLearningRate({ learningRate: 2e-4, weightScales: scale }).passed, false);
  assert.equal(checkQatLearningRate({ learningRate: 2e-5, weightScales: scale }).passed, true);
});
