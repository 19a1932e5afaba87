import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
import { writeModel } from "../onnx/mod.ts";
import { evaluateVariant } from "./evaluate_variant.ts";
import type { LabelledBatch } from "./evaluate_classifier.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 500,
  nLayers: 1,
  dim: 32,
  nHeads: 2,
  hiddenDim: 64,
};
const ids = [101n, 7n, 42n, 9n, 102n, 101n, 300n, 5n, 102n, 0n];
const batch: LabelledBatch = {
  indices: [0, 1],
  size: 2,
  seqLen: 5,
  inputIds: BigInt64Array.from(ids),
  attentionMask: BigInt64Array.from(ids.map((_, i) => (i === 9 ? 0n : 1n))),
  labels: [1, 0],
};
const measure = { warmup: 0, iterations: 1, minTimeMs: 0 };

Deno.test("evaluateVariant scores the file, or reuses an evaluation of it and only times it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "model.onnx");
    await writeModel(
      path,
      buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 2 })),
    );
    const base = {
      name: "fp32",
      path,
      batches: [batch],
      vocabSize: config.vocabSize,
      latency: measure,
    };
    const scored = await evaluateVariant({ ...base, progress: false });
    assert.equal(scored.evaluation.logits.length, 4);
    assert.equal(scored.result.agreement, 1);
    // A stand-in evaluation with the other predictions: reused as given, compared with the reference.
    const flipped = Int32Array.from(scored.evaluation.predictions, (p) => 1 - p);
    const logits = scored.evaluation.logits.map((_, i, l) => l[i ^ 1]);
    const given = { ...scored.evaluation, predictions: flipped, logits };
    const reused = await evaluateVariant({
      ...base,
      evaluation: given,
      reference: scored.evaluation,
    });
    assert.equal(reused.evaluation, given);
    assert.equal(reused.result.agreement, 0);
    assert.ok(reused.result.latencyMs.b8 > 0);
    assert.equal(reused.result.sizeBytes, (await Deno.stat(path)).size);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
