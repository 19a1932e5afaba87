/**
 * The criterion checker on a small DistilBERT run in ONNX Runtime: a random mask of 70% against
 * itself (not fixed) and magnitude pruning at the same sparsity (fixed).
 */
import assert from "node:assert/strict";
import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
import { agreementWith } from "../eval/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";
import { applyMasks, maskSparsity, oneShotMasks } from "../prune/mod.ts";
import { firstOutputs } from "../../tests/support/tiny_distilbert.ts";
import { checkPruningCriterion } from "./mod.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 2000,
  nLayers: 2,
  dim: 64,
  nHeads: 4,
  hiddenDim: 128,
};

Deno.test("02: a random mask at 70% is not fixed, magnitude pruning at 70% is", async () => {
  const weights = randomDistilBertWeights(config, { seed: 5 });
  // A random head gives logits near 1e-3; widen it so the logit errors read as numbers (the
  // pruned transformer Linears stay as initialized).
  for (
    const [name, factor] of [["pre_classifier.weight", 20], ["classifier.weight", 50]] as const
  ) {
    const w = weights.get(name)!;
    weights.set(name, { ...w, data: w.data.map((v) => v * factor) });
  }
  const dense = buildDistilBertGraph(config, weights);
  const batches = [0, 1, 2, 3].map((seed) =>
    syntheticBatch({ size: 16, seqLen: 32, vocabSize: config.vocabSize, seed })
  );
  const logits = async (model: typeof dense) =>
    Float32Array.from((await firstOutputs(model, batches)).flatMap((a) => [...a]));
  const reference = await logits(dense);
  const score = async (criterion: "magnitude" | "random") => {
    const masks = oneShotMasks(config, weights, {
      targets: [{ pattern: "unstructured", sparsity: 0.7 }],
      criterion,
      seed: 1,
    });
    const agreement = agreementWith({
      logits: await logits(applyMasks(dense, masks).model),
      reference,
      numLabels: 2,
    });
    return { criterion, sparsity: maskSparsity(masks).sparsity, ...agreement };
  };
  const random = await score("random");
  const magnitude = await score("magnitude");
  const broken = checkPruningCriterion({ candidate: random, random });
  const fixed = checkPruningCriterion({ candidate: magnitude, random });
  console.log(fixed.message);
  assert.equal(broken.passed, false, broken.message);
  assert.equal(fixed.passed, true, fixed.message);
});
