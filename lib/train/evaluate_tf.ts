/**
 * Evaluation of the tfjs model (inference mode) on labelled batches: accuracy/F1 with the same
 * metrics as the ONNX evaluation, mean cross-entropy, and the logits by row.
 *
 * @module
 */
import type { Batch } from "../data/batch.ts";
import { type ClassificationMetrics, classificationMetrics } from "../eval/metrics.ts";
import type { TfDistilBert } from "./distilbert.ts";

/** What {@link evaluateTf} returns. */
export interface TfEvaluation {
  metrics: ClassificationMetrics;
  /** Mean cross-entropy over labelled rows. */
  loss: number;
  /** Logits by row index (`batch.indices`), `[rows * numLabels]`. */
  logits: Float32Array;
  /** Arg-max class by row index. */
  predictions: Int32Array;
  /** Labels by row index. */
  labels: Int32Array;
}

/**
 * Runs `model` over `batches` without dropout and scores it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TfDistilBert } from "./distilbert.ts";
 * import { evaluateTf } from "./evaluate_tf.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { makeBatches } from "../data/mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const batches = makeBatches([{ inputIds: [2, 5, 3], attentionMask: [1, 1, 1] }], [1]);
 * const { metrics, logits } = await evaluateTf(model, batches);
 * assert.equal(metrics.count, 1);
 * assert.equal(logits.length, 2);
 * model.dispose();
 * ```
 */
export async function evaluateTf(
  model: TfDistilBert,
  batches: readonly Batch[],
): Promise<TfEvaluation> {
  const numLabels = model.config.numLabels;
  const rows = batches.reduce((n, b) => Math.max(n, ...b.indices.map((i) => i + 1)), 0);
  const logits = new Float32Array(rows * numLabels);
  const predictions = new Int32Array(rows).fill(-1);
  const labels = new Int32Array(rows).fill(-1);
  let lossSum = 0;
  let counted = 0;
  for (const batch of batches) {
    await new Promise((resolve) => setTimeout(resolve, 0)); // let signals and timers run
    const out = model.predict(batch);
    batch.indices.forEach((row, r) => {
      const z = out.subarray(r * numLabels, (r + 1) * numLabels);
      logits.set(z, row * numLabels);
      let best = 0;
      for (let k = 1; k < numLabels; k++) if (z[k] > z[best]) best = k;
      predictions[row] = best;
      const label = batch.labels[r];
      labels[row] = label;
      if (label >= 0) {
        const max = Math.max(...z);
        const logSum = max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
        lossSum += logSum - z[label];
        counted++;
      }
    });
  }
  const metrics = classificationMetrics({ predictions, labels, numLabels });
  return { metrics, loss: counted ? lossSum / counted : Number.NaN, logits, predictions, labels };
}
