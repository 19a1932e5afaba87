/**
 * The distillation losses: Hinton's soft-label loss mixed with the hard-label cross-entropy,
 * `α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1−α)·CE(z_s, y)`, and the intermediate-layer
 * (hidden-state MSE) term, as training-engine {@link LossFn}s (`train(model, data, { loss })`).
 *
 * The T² factor keeps the soft term's gradients the same size whatever the temperature (they
 * scale as 1/T²), so α means the same share at T = 1 and T = 8. The KL divergence is averaged
 * over the rows of the batch (PyTorch's `reduction="batchmean"`), as DistilBERT's training does.
 *
 * @module
 */
import type { Scalar, Tensor1D, Tensor2D, Tensor3D } from "@tensorflow/tfjs";
import { crossEntropy, type LossContext, type LossFn, tf } from "../train/mod.ts";
import type { TfDistilBert } from "../train/mod.ts";

/** Settings of the soft-label loss. */
export interface KdSettings {
  /** Softmax temperature T > 0 (default 2). Higher T: softer teacher distribution. */
  temperature?: number;
  /** Weight α ∈ [0, 1] of the soft-label term (default 0.5); 1 − α goes to the labels. */
  alpha?: number;
}

/** The defaults of {@link KdSettings}. */
export const KD_DEFAULTS = { temperature: 2, alpha: 0.5 } as const;

/** A distillation setting is out of range; the message names it and the valid range. */
export class DistillSettingsError extends RangeError {
  override name = "DistillSettingsError";
}

/**
 * Checks and completes {@link KdSettings}; throws {@link DistillSettingsError} naming a setting
 * out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kdSettings } from "./kd_loss.ts";
 * assert.deepEqual(kdSettings({ alpha: 0.9 }), { temperature: 2, alpha: 0.9 });
 * assert.throws(() => kdSettings({ temperature: 0 }), /temperature 0/);
 * ```
 */
export function kdSettings(settings: KdSettings = {}): Required<KdSettings> {
  const temperature = settings.temperature ?? KD_DEFAULTS.temperature;
  const alpha = settings.alpha ?? KD_DEFAULTS.alpha;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new DistillSettingsError(`temperature ${temperature} must be a finite number > 0.`);
  }
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new DistillSettingsError(`alpha ${alpha} must be in [0, 1] (the soft-label share).`);
  }
  return { temperature, alpha };
}

/**
 * `softmax(logits / T)` of one row, in plain numbers (for charts and checks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softmaxWithTemperature } from "./kd_loss.ts";
 * const [p0, p1] = softmaxWithTemperature([2, 0], 2);
 * assert.ok(Math.abs(p0 - 1 / (1 + Math.exp(-1))) < 1e-12);
 * assert.ok(Math.abs(p0 + p1 - 1) < 1e-12);
 * ```
 */
export function softmaxWithTemperature(logits: ArrayLike<number>, temperature = 1): number[] {
  const scaled = Array.from(logits, (z) => z / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * The soft-label loss on tensors: `α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1−α)·CE(s, y)`,
 * KL summed over classes and averaged over rows. Differentiable in `student`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { kdLoss } from "./kd_loss.ts";
 * const tf = await initTf();
 * const z = tf.tensor2d([[1, -1]]);
 * // The student equals the teacher: KL = 0 and only (1 − α)·CE is left.
 * const loss = kdLoss(z, z, tf.tensor1d([0], "int32"), { temperature: 2, alpha: 0.5 });
 * assert.ok(Math.abs(loss.dataSync()[0] - 0.5 * Math.log(1 + Math.exp(-2))) < 1e-6);
 * ```
 */
export function kdLoss(
  student: Tensor2D,
  teacher: Tensor2D,
  labels: Tensor1D,
  settings: KdSettings = {},
): Scalar {
  const { temperature: t, alpha } = kdSettings(settings);
  return tf.tidy(() => {
    const soft = softLabelKl(student, teacher, t);
    const weightedSoft = tf.mul(soft, alpha * t * t);
    if (alpha === 1) return weightedSoft as Scalar;
    return tf.add(weightedSoft, tf.mul(crossEntropy(student, labels), 1 - alpha)) as Scalar;
  });
}

/** `KL(softmax(t/T) ‖ softmax(s/T))`, summed over classes, mean over rows. */
function softLabelKl(student: Tensor2D, teacher: Tensor2D, temperature: number): Scalar {
  const logQ = tf.logSoftmax(tf.div(student, temperature));
  const logP = tf.logSoftmax(tf.div(teacher, temperature));
  const p = tf.exp(logP);
  return tf.mean(tf.sum(tf.mul(p, tf.sub(logP, logQ)), 1)) as Scalar;
}

/** Intermediate-layer distillation: match the student's hidden states to the teacher's. */
export interface HiddenStateDistillation {
  /** The teacher on tfjs (inference mode; its weights do not train). */
  teacher: TfDistilBert;
  /** Weight β of the hidden-state MSE added to the loss (default 1). */
  weight?: number;
  /**
   * For each student hidden state (0 = embeddings, j = after layer j), the teacher hidden state
   * it imitates. Default {@link uniformLayerMap}: student j ↔ teacher round(j·N/M).
   */
  layerMap?: readonly number[];
}

/**
 * The default student → teacher hidden-state map for an M-layer student of an N-layer teacher:
 * `j ↦ round(j · N / M)` for j = 0…M (embeddings to embeddings, last layer to last layer),
 * TinyBERT's uniform strategy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uniformLayerMap } from "./kd_loss.ts";
 * assert.deepEqual(uniformLayerMap(2, 4), [0, 2, 4]);
 * assert.deepEqual(uniformLayerMap(3, 6), [0, 2, 4, 6]);
 * ```
 */
export function uniformLayerMap(studentLayers: number, teacherLayers: number): number[] {
  return Array.from(
    { length: studentLayers + 1 },
    (_, j) => Math.round((j * teacherLayers) / studentLayers),
  );
}

/**
 * Mean squared error between matched hidden states over attended tokens only:
 * `Σ_j Σ_tokens ‖h_s − h_t‖² / (tokens · dim · pairs)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { hiddenStateMse } from "./kd_loss.ts";
 * const tf = await initTf();
 * const s = [tf.tensor3d([[[1, 1], [9, 9]]])];
 * const t = [tf.tensor3d([[[0, 1], [0, 0]]])];
 * // The second token is padding: only (1 − 0)² + 0 over 2 values counts.
 * assert.equal(hiddenStateMse(s, t, tf.tensor2d([[1, 0]])).dataSync()[0], 0.5);
 * ```
 */
export function hiddenStateMse(
  student: readonly Tensor3D[],
  teacher: readonly Tensor3D[],
  mask: Tensor2D,
): Scalar {
  if (student.length !== teacher.length || student.length === 0) {
    throw new DistillSettingsError(
      `hiddenStateMse needs as many student as teacher hidden states (got ${student.length} and ` +
        `${teacher.length}).`,
    );
  }
  return tf.tidy(() => {
    const weights = tf.expandDims(tf.cast(mask, "float32"), 2); // [size, seq, 1]
    const dim = student[0].shape[2];
    const tokens = tf.sum(weights);
    let total: Scalar = tf.scalar(0);
    student.forEach((s, j) => {
      const diff = tf.sub(s, teacher[j]);
      total = tf.add(total, tf.sum(tf.mul(tf.square(diff), weights))) as Scalar;
    });
    return tf.div(total, tf.mul(tokens, dim * student.length)) as Scalar;
  });
}

/** Options of {@link distillationLoss}. */
export interface DistillationLossOptions extends KdSettings {
  /**
   * The teacher's logits of the training rows in dataset order, `[rows * numLabels]`
   * (`teacherLogits(...).logits`); `batch.indices` pick a batch's rows.
   */
  teacherLogits: Float32Array;
  /** Classes per row (default 2). */
  numLabels?: number;
  /** Also distil hidden states (train with `outputHiddenStates: true`). */
  hidden?: HiddenStateDistillation;
}

/**
 * The training loss of a distilled student, for `train(student, data, { loss })`: {@link kdLoss}
 * against the cached teacher logits of the batch's rows, plus β·{@link hiddenStateMse} when
 * `hidden` is set (the teacher then runs on tfjs for each batch, and `train` must be called with
 * `outputHiddenStates: true`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { distillationLoss } from "./kd_loss.ts";
 * const tf = await initTf();
 * const loss = distillationLoss({ teacherLogits: new Float32Array([0, 0, 3, -3]), alpha: 1 });
 * const batch = { indices: [1], size: 1, seqLen: 1, inputIds: new BigInt64Array(1), attentionMask: new BigInt64Array([1n]), labels: [0] };
 * const value = loss({ logits: tf.tensor2d([[3, -3]]), labels: tf.tensor1d([0], "int32"), batch, step: 0 });
 * assert.ok(Math.abs(value.dataSync()[0]) < 1e-6); // student = teacher on row 1
 * ```
 */
export function distillationLoss(options: DistillationLossOptions): LossFn {
  const settings = kdSettings(options);
  const numLabels = options.numLabels ?? 2;
  const rows = options.teacherLogits.length / numLabels;
  if (!Number.isInteger(rows)) {
    throw new DistillSettingsError(
      `teacherLogits has ${options.teacherLogits.length} values, not a multiple of numLabels ` +
        `${numLabels}.`,
    );
  }
  const hidden = options.hidden;
  const beta = hidden?.weight ?? 1;
  return (context: LossContext): Scalar => {
    const { logits, labels, batch } = context;
    const picked = new Float32Array(batch.size * numLabels);
    batch.indices.forEach((row, r) => {
      if (!(row >= 0 && row < rows)) {
        throw new DistillSettingsError(
          `Batch row ${row} has no teacher logits (${rows} rows cached); compute the teacher ` +
            `logits on the same training rows the student trains on.`,
        );
      }
      picked.set(
        options.teacherLogits.subarray(row * numLabels, (row + 1) * numLabels),
        r * numLabels,
      );
    });
    const teacher = tf.tensor2d(picked, [batch.size, numLabels]);
    const soft = kdLoss(logits, teacher, labels, settings);
    if (!hidden) return soft;
    return tf.add(soft, tf.mul(hiddenTerm(hidden, context), beta)) as Scalar;
  };
}

function hiddenTerm(hidden: HiddenStateDistillation, context: LossContext): Scalar {
  const studentStates = context.hiddenStates;
  if (!studentStates) {
    throw new DistillSettingsError(
      "Hidden-state distillation needs the student's hidden states: call train(..., " +
        "{ outputHiddenStates: true }).",
    );
  }
  const teacherLayers = hidden.teacher.config.nLayers;
  const map = hidden.layerMap ?? uniformLayerMap(studentStates.length - 1, teacherLayers);
  if (map.length !== studentStates.length || map.some((t) => !(t >= 0 && t <= teacherLayers))) {
    throw new DistillSettingsError(
      `layerMap [${map}] must give, for each of the student's ${studentStates.length} hidden ` +
        `states, a teacher hidden state in 0…${teacherLayers}.`,
    );
  }
  const { batch } = context;
  // The teacher's states are constants of the loss: no student variable flows into them.
  const teacherStates = tf.tidy(() => {
    const out = hidden.teacher.forward(batch, { outputHiddenStates: true });
    return map.map((t) => out.hiddenStates![t]);
  });
  const sDim = studentStates[0].shape[2];
  const tDim = teacherStates[0].shape[2];
  if (sDim !== tDim) {
    tf.dispose(teacherStates);
    throw new DistillSettingsError(
      `Student dim ${sDim} differs from teacher dim ${tDim}; hidden-state distillation needs the ` +
        `same width (narrow the FFN, not dim).`,
    );
  }
  const mask = tf.tensor2d(
    Float32Array.from(batch.attentionMask, Number),
    [batch.size, batch.seqLen],
  );
  return hiddenStateMse(studentStates, teacherStates, mask);
}
