/**
 * Training a student with the teacher's soft labels: the training engine's loop
 * (`lib/train` `train`) with {@link distillationLoss} as its loss.
 *
 * @module
 */
import { train, type TrainData, type TrainOptions, type TrainResult } from "../train/mod.ts";
import type { TfDistilBert } from "../train/mod.ts";
import { distillationLoss, type HiddenStateDistillation, type KdSettings } from "./kd_loss.ts";

/** Options of {@link distill}. */
export interface DistillOptions extends KdSettings {
  /** Teacher logits of `data`'s rows in order (`teacherLogits(...).logits`). */
  teacherLogits: Float32Array;
  /** Also match hidden states (the teacher then runs on tfjs every step). */
  hidden?: HiddenStateDistillation;
  /** Loop settings of the training engine (profile, seed, callbacks, checkpoint, …). */
  train?: Omit<TrainOptions, "loss" | "outputHiddenStates">;
}

/**
 * Trains `student` in place on `data` with
 * `α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1−α)·CE(z_s, y)` (plus β·hidden-state MSE with
 * `hidden`) and returns the engine's result (history of losses, evaluations).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { TfDistilBert } from "../train/mod.ts";
 * import { distill } from "./distill.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const student = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const encoded = [[2, 5, 3], [2, 6, 3]].map((ids) => ({ inputIds: ids, attentionMask: [1, 1, 1] }));
 * const result = await distill(student, { encoded, labels: [1, 0] }, {
 *   teacherLogits: new Float32Array([-2, 2, 2, -2]), temperature: 2, alpha: 0.9,
 *   train: { epochs: 2, batchSize: 2, progress: false, log: false, handleSigint: false },
 * });
 * assert.equal(result.steps, 2);
 * student.dispose();
 * ```
 */
export function distill(
  student: TfDistilBert,
  data: TrainData,
  options: DistillOptions,
): Promise<TrainResult> {
  const rows = options.teacherLogits.length / student.config.numLabels;
  if (rows !== data.encoded.length) {
    throw new RangeError(
      `teacherLogits covers ${rows} rows but the training data has ${data.encoded.length}; ` +
        `compute the teacher logits on the same rows (same split, limit and order).`,
    );
  }
  const loss = distillationLoss({
    teacherLogits: options.teacherLogits,
    numLabels: student.config.numLabels,
    temperature: options.temperature,
    alpha: options.alpha,
    hidden: options.hidden,
  });
  return train(student, data, {
    ...options.train,
    loss,
    outputHiddenStates: options.hidden !== undefined,
  });
}
