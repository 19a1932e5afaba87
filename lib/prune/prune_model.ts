/**
 * Pruning end to end on the training engine: "prune to the target with criterion X, pattern Y,
 * schedule Z, then fine-tune N epochs" as one `train` run with a {@link PruneExtension}, returning
 * the pruned weights (a state-dict {@link WeightMap}: `buildDistilBertGraph` exports it to ONNX,
 * where the structured patterns can then shrink the graph) and the masks.
 *
 * @module
 */
import type { WeightMap } from "../model/weights.ts";
import type { TfDistilBert } from "../train/distilbert.ts";
import {
  train,
  TRAIN_DEFAULTS,
  type TrainData,
  type TrainOptions,
  type TrainResult,
} from "../train/train.ts";
import { PruneOptionsError } from "./errors.ts";
import { pruneProfile } from "./profile.ts";
import { PruneExtension, type PruneOptions } from "./extension.ts";
import type { MaskSet, MaskSparsity } from "./mask.ts";

/** Options of {@link pruneModel}. */
export interface PruneModelOptions extends PruneOptions {
  /**
   * Epochs of fine-tuning counted from the last pruning update (default 1 in the quick profile,
   * `WORKSHOP_QUICK=1`, else 3). The run has `lastPruneStep + epochs · updatesPerEpoch` updates.
   */
  finetuneEpochs?: number;
  /**
   * The engine's loop settings (learning rate, batch size, seed, checkpoint to resume from, a
   * distillation `loss`, more `extensions` — run after pruning's, so e.g. QAT sees masked
   * weights).
   */
  train?: Omit<TrainOptions, "epochs" | "maxSteps">;
}

/** What {@link pruneModel} returns. */
export interface PrunedModel {
  /** The pruned, fine-tuned weights (a copy), state-dict names, PyTorch layout. */
  weights: WeightMap;
  /** The masks reached (every weight a target touches). */
  masks: MaskSet;
  /** Zero fraction of the masks, overall and per weight. */
  sparsity: MaskSparsity;
  /** The engine's result (history, evaluations, status). */
  train: TrainResult;
}

/**
 * Prunes `model` in place on `data` (see the module doc); every option is checked before any
 * training. A stopped run (Ctrl+C, `signal`) returns with `train.status` `stopped` and, with
 * `train.checkpoint`, resumes to the same masks and weights when called again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { TfDistilBert } from "../train/distilbert.ts";
 * import { pruneModel } from "./prune_model.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const encoded = [[2, 5, 3], [2, 6, 3]].map((ids) => ({ inputIds: ids, attentionMask: [1, 1, 1] }));
 * const pruned = await pruneModel(model, { encoded, labels: [1, 0] }, {
 *   targets: [{ pattern: "unstructured", sparsity: 0.5 }], finetuneEpochs: 1,
 *   train: { batchSize: 1, progress: false, log: false, handleSigint: false },
 * });
 * assert.equal(pruned.sparsity.sparsity, 0.5);
 * assert.equal(pruned.train.steps, 2);
 * model.dispose();
 * ```
 */
export async function pruneModel(
  model: TfDistilBert,
  data: TrainData,
  options: PruneModelOptions,
): Promise<PrunedModel> {
  const extension = new PruneExtension(model.config, options);
  const epochs = options.finetuneEpochs ?? (options.train?.profile ?? pruneProfile()).epochs;
  if (!(epochs >= 0 && Number.isFinite(epochs))) {
    throw new PruneOptionsError(
      `finetuneEpochs ${epochs} must be a number ≥ 0 (epochs of fine-tuning after pruning).`,
    );
  }
  const trainOptions = options.train ?? {};
  const batchSize = trainOptions.batchSize ?? trainOptions.profile?.batchSize ??
    TRAIN_DEFAULTS.batchSize;
  const perEpoch = Math.ceil(data.encoded.length / batchSize);
  const totalSteps = extension.lastPruneStep + Math.max(1, Math.round(epochs * perEpoch));
  const result = await train(model, data, {
    ...trainOptions,
    epochs: Math.ceil(totalSteps / perEpoch),
    maxSteps: totalSteps,
    extensions: [extension, ...(trainOptions.extensions ?? [])],
  });
  const masks = extension.masks();
  return { weights: model.toWeightMap(), masks, sparsity: extension.sparsity(), train: result };
}
