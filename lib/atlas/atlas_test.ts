import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { buildDistilBertGraph, outlierTwin, randomDistilBertWeights } from "../model/mod.ts";
import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
import { convertToMixedPrecision } from "../mixed/mod.ts";
import { calibrate, quantizeDynamic, quantizeStatic } from "../quant/mod.ts";
import { planByMagnitude, pruneStateDict } from "../prune/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";
import { errorAtlas, sqnr, SqnrAccumulator, SqnrError } from "./mod.ts";
import { TINY_DISTILBERT } from "../../tests/support/tiny_distilbert.ts";

Deno.test("sqnr: hand-computed values", () => {
  // Σx² = 9 + 16 = 25, Σe² = 0.25 → 10·log10(100) = 20 dB
  assert.equal(sqnr([3, 4], [3, 4.5]), 20);
  // Σx² = 1 + 1 + 1 + 1 = 4, Σe² = 4 · 0.1² = 0.04 → 10·log10(100) = 20 dB
  assert.ok(Math.abs(sqnr([1, -1, 1, -1], [1.1, -0.9, 0.9, -1.1]) - 20) < 1e-9);
  // an error as large as the signal: 0 dB; ten times smaller in amplitude: 20 dB
  assert.equal(sqnr([2, 2], [0, 0]), 0);
  assert.ok(Math.abs(sqnr([10, -10], [11, -9]) - 20) < 1e-9);
  assert.equal(sqnr([0, 0], [0, 1]), -Infinity);
  const acc = new SqnrAccumulator();
  assert.ok(Number.isNaN(acc.db));
  acc.add([3], [3]);
  acc.add([4], [4.5]);
  assert.equal(acc.db, 20);
  assert.equal(acc.maxAbsError, 0.5);
  assert.throws(() => acc.add([1, 2], [1], "h"), SqnrError);
});

const CONFIG = TINY_DISTILBERT;
const batches = [0, 1, 2, 3].map((seed) =>
  syntheticBatch({ size: 4, seqLen: 24, vocabSize: CONFIG.vocabSize, seed })
);

Deno.test("atlas: on an outlier twin, the Linears whose inputs carry outliers rank first, and excluding them removes the error", async () => {
  const weights = randomDistilBertWeights(CONFIG, { seed: 7 });
  const twin = outlierTwin(CONFIG, weights, { factor: 50, channels: 3, seed: 1 });
  const fp32 = buildDistilBertGraph(CONFIG, twin.weights);
  const calibration = await calibrate(fp32, batches, { progress: false });
  const quantize = (excludeNodes: string[] = []) =>
    quantizeStatic(fp32, calibration, { excludeNodes }).model;
  const atlas = await errorAtlas({ fp32, variant: quantize(), name: "int8", inputs: batches });
  const ranked = atlas.ranked();
  console.log(
    ranked.slice(0, 6).map((e) =>
      `${e.label}: local ${e.local.toFixed(1)} dB, propagated ${e.propagated.toFixed(1)} dB`
    ).join("\n"),
  );
  // word + position embeddings, 6 Linears per block, pre_classifier and classifier
  assert.equal(atlas.entries.length, 2 + 6 * CONFIG.nLayers + 2);
  assert.equal(atlas.rows, 16);
  assert.deepEqual(
    ranked.slice(0, twin.outlierInputs.length).map((e) => e.label).sort(),
    [...twin.outlierInputs].sort(),
  );
  const outlierWorst = ranked[twin.outlierInputs.length - 1].local;
  const cleanBest = ranked[twin.outlierInputs.length].local;
  assert.ok(outlierWorst + 6 < cleanBest, `${outlierWorst} dB vs ${cleanBest} dB: a clear gap`);
  // Along the depth, the error piles up: the output is worse than its own layer alone.
  const output = atlas.entries.at(-1)!;
  assert.equal(output.name, "logits");
  assert.ok(output.propagated < output.local);
  assert.ok(atlas.entries.every((e) => e.weightSqnr === undefined || e.weightSqnr > 25));

  const rerun = await atlas.rerunWithout({ k: twin.outlierInputs.length, recompress: quantize });
  assert.deepEqual(rerun.excluded.map((e) => e.label).sort(), [...twin.outlierInputs].sort());
  const after = new Map(rerun.after.entries.map((e) => [e.label, e]));
  for (const e of rerun.excluded) {
    assert.equal(after.get(e.label)!.local, Infinity, `${e.label} is FP32 now: no local error`);
  }
  assert.ok(
    rerun.after.outputSqnr > atlas.outputSqnr + 6,
    `output SQNR ${atlas.outputSqnr} → ${rerun.after.outputSqnr} dB`,
  );
});

Deno.test("atlas: works on dynamic INT8 and FP16 variants, matching tensors by their FP32 names", async () => {
  const fp32 = buildDistilBertGraph(CONFIG, randomDistilBertWeights(CONFIG, { seed: 3 }));
  const dynamic = await errorAtlas({
    fp32,
    variant: quantizeDynamic(fp32).model,
    inputs: batches.slice(0, 2),
  });
  assert.equal(dynamic.entries.length, 2 + 6 * CONFIG.nLayers + 2);
  assert.ok(dynamic.entries.every((e) => e.local > 15 && e.local < 60), "8-bit error everywhere");
  const fp16 = await errorAtlas({
    fp32,
    variant: convertToMixedPrecision(fp32, { target: "fp16" }).model,
    inputs: batches.slice(0, 2),
    select: "all",
  });
  assert.ok(fp16.entries.length > dynamic.entries.length);
  assert.ok(fp16.entries.some((e) => e.variantType === DataType.FLOAT16));
  // FP16 keeps ~11 significant bits: ~60 dB and more where values are computed in FP16.
  const worst = fp16.ranked()[0];
  assert.ok(worst.local > 40, `${worst.label}: ${worst.local} dB`);
  const weights = fp16.entries.filter((e) => e.weightSqnr !== undefined);
  assert.ok(weights.length > 0 && weights.every((e) => e.weightSqnr! > 55));
});

Deno.test("atlas: a structurally pruned variant is compared where shapes match, and says what it skipped", async () => {
  const weights = randomDistilBertWeights(CONFIG, { seed: 3 });
  const fp32 = buildDistilBertGraph(CONFIG, weights);
  // half the FFN units and one of the two heads of every block go
  const plan = planByMagnitude(CONFIG, weights, { ffn: 0.5, heads: 0.5 });
  const small = pruneStateDict(CONFIG, weights, plan);
  const atlas = await errorAtlas({
    fp32,
    variant: buildDistilBertGraph(small.config, small.weights),
    name: "structured",
    inputs: batches.slice(0, 2),
  });
  // q/k/v (one head of dim 16 instead of 32 columns) and ffn.lin1 (32 of 64 units) change shape
  const narrowed = ["attention.q_lin", "attention.k_lin", "attention.v_lin", "ffn.lin1"];
  assert.deepEqual(
    atlas.skipped.map((t) => t.label),
    [0, 1].flatMap((i) => narrowed.map((n) => `distilbert.transformer.layer.${i}.${n}`)),
  );
  const lin1 = atlas.skipped.find((t) => t.label.endsWith("layer.0.ffn.lin1"))!;
  assert.deepEqual([lin1.fp32Shape.at(-1), lin1.variantShape.at(-1)], [64, 32]);
  // embeddings, out_lin and lin2 per block, pre_classifier, classifier
  assert.equal(atlas.entries.length, 2 + 2 * CONFIG.nLayers + 2);
  const [word] = atlas.entries;
  assert.equal(word.local, Infinity, "embeddings are not pruned: exact");
  assert.equal(word.weightSqnr, Infinity);
  const outLin = atlas.entries.find((e) => e.label.endsWith("layer.0.attention.out_lin"))!;
  assert.ok(Number.isFinite(outLin.local), "a removed head changes the attention output");
  assert.equal(outLin.weightSqnr, undefined, "its weight lost rows: no SQNR of another shape");
  const summary = atlas.toJSON();
  assert.equal(summary.skipped?.length, 4 * CONFIG.nLayers);
  assert.match(atlas.table().toString(), /8 of other shape not compared/);
});

Deno.test("atlas: a variant without a matching tensor is refused with the rule in the message", async () => {
  const graph = (name: string) => {
    const b = new GraphBuilder("g");
    const x = b.input("x", DataType.FLOAT, [1]);
    b.output(b.op("Relu", [x]), DataType.FLOAT, [1], { rename: name });
    return createModel(b.build());
  };
  const feeds = [{ x: new ort.Tensor("float32", new Float32Array([1]), [1]) }];
  await assert.rejects(
    errorAtlas({ fp32: graph("y"), variant: graph("z"), inputs: feeds }),
    /matches the FP32 model by name/,
  );
});

Deno.test("atlas: masked attention scores (FP32's lowest value) count as saturated in FP16 and BF16, not as an error of 10³⁸", async () => {
  const fp32 = buildDistilBertGraph(CONFIG, randomDistilBertWeights(CONFIG, { seed: 3 }));
  // Pad the last 8 tokens of every other row: their attention scores are masked.
  const padded = batches.slice(0, 2).map((b) => ({
    ...b,
    attentionMask: b.attentionMask.map((m, i) =>
      Math.floor(i / b.seqLen) % 2 === 1 && i % b.seqLen >= b.seqLen - 8 ? 0n : m
    ),
  }));
  for (const target of ["fp16", "bf16"] as const) {
    const atlas = await errorAtlas({
      fp32,
      variant: convertToMixedPrecision(fp32, { target, onWarning: () => {} }).model,
      inputs: padded,
      select: "all",
    });
    const masked = atlas.entries.filter((e) => e.opType === "Where");
    assert.equal(masked.length, CONFIG.nLayers);
    for (const e of masked) {
      // 2 padded rows × heads × 24 queries × 8 masked keys, in each of the 2 batches
      assert.equal(e.saturated, 2 * 2 * CONFIG.nHeads * 24 * 8, `${target} ${e.label}`);
      assert.ok(e.local > 40 && e.propagated > 35, `${target} ${e.label}: ${e.local} dB`);
    }
    assert.ok(atlas.entries.filter((e) => e.opType !== "Where").every((e) => e.saturated === 0));
    assert.equal(
      atlas.toJSON().entries.find((e) => e.opType === "Where")!.saturated,
      masked[0].saturated,
    );
  }
});
