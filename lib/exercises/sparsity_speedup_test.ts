/**
 * The speed-up checker on latencies measured here: a small DistilBERT, 90% unstructured zeros
 * against FFN units and heads removed, timed interleaved in ONNX Runtime as notebook 02 does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
import { writeModel } from "../onnx/mod.ts";
import { interleavedLatency } from "../eval/mod.ts";
import {
  applyMasks,
  maskSparsity,
  oneShotMasks,
  planByMagnitude,
  pruneStateDict,
  structuredPlanToMasks,
} from "../prune/mod.ts";
import { checkSparsitySpeedup } from "./mod.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 2000,
  nLayers: 2,
  dim: 128,
  nHeads: 4,
  hiddenDim: 512,
};

Deno.test("02: expecting 90% zeros to run 10× faster is not fixed; ≈1× and structured faster is", async () => {
  const weights = randomDistilBertWeights(config, { seed: 5 });
  const dense = buildDistilBertGraph(config, weights);
  const masks = oneShotMasks(config, weights, {
    targets: [{ pattern: "unstructured", sparsity: 0.9 }],
  });
  const plan = planByMagnitude(config, weights, { ffn: 0.75, heads: 0.5 });
  const small = pruneStateDict(config, weights, plan);
  const dir = await Deno.makeTempDir();
  try {
    const models = {
      dense,
      unstructured: applyMasks(dense, masks).model,
      structured: buildDistilBertGraph(small.config, small.weights),
    };
    const variants = [];
    for (const [name, model] of Object.entries(models)) {
      const path = join(dir, `${name}.onnx`);
      await writeModel(path, model);
      variants.push({ name, path });
    }
    const [, unstructured, structured] = await interleavedLatency({
      variants,
      vocabSize: config.vocabSize,
      measure: { warmup: 1, iterations: 9, minTimeMs: 0 },
    });
    const measured = {
      unstructured: { sparsity: maskSparsity(masks).sparsity, speedup: unstructured.speedup!.b8 },
      structured: {
        sparsity: maskSparsity(structuredPlanToMasks(config, plan)).sparsity,
        speedup: structured.speedup!.b8,
      },
    };
    const broken = checkSparsitySpeedup({
      ...measured,
      expected: { faster: "unstructured", unstructuredSpeedup: 10 },
    });
    const fixed = checkSparsitySpeedup({
      ...measured,
      expected: { faster: "structured", unstructuredSpeedup: 1 },
    });
    console.log(fixed.message);
    assert.equal(broken.passed, false, broken.message);
    assert.equal(fixed.passed, true, fixed.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
