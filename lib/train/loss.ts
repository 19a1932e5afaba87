/**
 * Losses of the training engine. A loss is a function of the forward pass's outputs and the
 * batch, so techniques bring their own (knowledge distillation mixes the teacher's soft labels
 * with the hard-label cross-entropy; see `lib/distill`).
 *
 * @module
 */
import type { Scalar, Tensor1D, Tensor2D, Tensor3D } from "@tensorflow/tfjs";
import type { Batch } from "../data/batch.ts";
import { tf } from "./backend.ts";

/** What a {@link LossFn} receives; tensors belong to the step (do not dispose them). */
export interface LossContext {
  /** Student logits `[size, numLabels]`. */
  logits: Tensor2D;
  /** Hard labels `[size]`, int32. */
  labels: Tensor1D;
  /** The batch; `batch.indices` are the rows' positions in the training data. */
  batch: Batch;
  /** The forward pass's hidden states, when the training asked for them. */
  hiddenStates?: Tensor3D[];
  /** Updates done before this one (0 for the first step). */
  step: number;
}

/** A training loss: a scalar built with tfjs ops from the context, differentiable. */
export type LossFn = (context: LossContext) => Scalar;

/**
 * Mean cross-entropy of `logits` `[rows, classes]` against integer `labels` (PyTorch's
 * `F.cross_entropy`), computed through log-softmax.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { crossEntropy } from "./loss.ts";
 * const tf = await initTf();
 * const loss = crossEntropy(tf.tensor2d([[2, 0], [0, 1]]), tf.tensor1d([0, 0], "int32"));
 * const expected = (Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(1))) / 2;
 * assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-6);
 * ```
 */
export function crossEntropy(logits: Tensor2D, labels: Tensor1D): Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const logProbs = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(labels, "int32"), classes)), 1);
    return tf.neg(tf.mean(picked)) as Scalar;
  });
}

/**
 * The default loss: {@link crossEntropy} of the logits against the batch's labels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crossEntropyLoss } from "./loss.ts";
 * assert.equal(typeof crossEntropyLoss, "function");
 * ```
 */
export const crossEntropyLoss: LossFn = ({ logits, labels }) => crossEntropy(logits, labels);
