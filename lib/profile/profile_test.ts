import assert from "node:assert/strict";
import { buildDistilBert } from "../model/mod.ts";
import { calibrate, quantizeDynamic, quantizeStatic } from "../quant/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";
import { profileModel, waterfallFigure, whyFaster } from "./mod.ts";
import { TINY_DISTILBERT } from "../../tests/support/tiny_distilbert.ts";

const CONFIG = TINY_DISTILBERT;
const fp32 = buildDistilBert(CONFIG, { seed: 2 });
const shape = { vocabSize: CONFIG.vocabSize, batch: 2, seq: 16, runs: 3, threads: 1 };

Deno.test("profile: ORT's kernels after fusion, per run, for FP32, dynamic and static INT8", async () => {
  const plain = await profileModel(fp32, shape);
  // 6 Linears per block + pre_classifier + classifier, whatever ORT fused them into
  const linears = plain.kernels.filter((k) => k.category === "linear (FP32)")
    .reduce((n, k) => n + k.calls, 0);
  assert.ok(linears >= 6 * CONFIG.nLayers + 2, `${linears} FP32 linear kernels`);
  assert.ok(plain.kernels.every((k) => k.calls === Math.round(k.calls)), "whole calls per run");
  assert.ok(plain.kernelMs > 0 && plain.kernelMs <= plain.runMs * 1.05);

  const dynamic = await profileModel(quantizeDynamic(fp32).model, shape);
  const dynamicKernels = dynamic.kernels.map((k) => k.kernel);
  assert.ok(
    dynamicKernels.some((k) => /DynamicQuantizeMatMul|MatMulIntegerToFloat/.test(k)),
    dynamicKernels.join(", "),
  );
  const batches = [syntheticBatch({ size: 4, seqLen: 16, vocabSize: CONFIG.vocabSize })];
  const ranges = await calibrate(fp32, batches, { progress: false });
  const qoperator = quantizeStatic(fp32, ranges, { format: "qoperator" }).model;
  const statik = await profileModel(qoperator, shape);
  const kernels = statik.kernels.map((k) => k.kernel);
  assert.ok(kernels.includes("MatMulIntegerToFloat"), kernels.join(", "));
  assert.ok(kernels.includes("QuantizeLinear"), kernels.join(", "));
});

Deno.test("whyFaster: category deltas add up from the FP32 kernel time to the variant's", async () => {
  const why = await whyFaster({
    reference: { name: "fp32", model: fp32 },
    candidate: { name: "int8-dynamic", model: quantizeDynamic(fp32).model },
    ...shape,
    sweep: { seqLens: [8, 32], threads: [1], measure: { warmup: 0, iterations: 2, minTimeMs: 0 } },
  });
  const { comparison, sweep } = why.summary;
  const sum = comparison.categories.reduce((s, c) => s + c.deltaMs, 0);
  const expected = comparison.candidate.profile.kernelMs - comparison.reference.profile.kernelMs;
  assert.ok(Math.abs(sum - expected) < 1e-9, `${sum} vs ${expected}`);
  const fp32Linear = comparison.categories.find((c) => c.category === "linear (FP32)")!;
  assert.ok(fp32Linear.deltaMs < 0, "the FP32 linear kernels are gone from the variant");
  const y = waterfallFigure(comparison).data[0].y as number[];
  assert.ok(Math.abs(y.slice(0, -1).reduce((a, b) => a + b, 0) - y.at(-1)!) < 0.01);
  assert.deepEqual(sweep!.map((p) => p.seq), [8, 32]);
  assert.ok(why.speedup > 0 && ["int32", "int16-pairs"].includes(why.summary.cpu.accumulation));
});
