/**
 * Training extensions: what a technique adds to the engine's loop without copying it.
 * Quantization-aware training (fake quantization and its observers) and pruning (masks, saliency
 * scores, a sparsity schedule, a group-lasso penalty) are extensions; `train(model, data,
 * { extensions })` runs any number of them together, in order.
 *
 * Per update, the loop calls, for each extension in order:
 * 1. its forward `hooks` (installed for the whole call, the first extension outermost, all of
 *    them inside the hooks the model already had; restored when `train` returns);
 * 2. `loss`, a term added to the training loss inside the gradient tape (so it is
 *    differentiated with the rest);
 * 3. `afterGradients`, with the raw gradient of every weight by state-dict name (before
 *    clipping; edit in place to change the update, e.g. zero the gradients of pruned weights);
 * 4. `afterUpdate`, after the optimizer changed the weights (e.g. re-apply masks).
 *
 * `start` runs once before the first update, after a resumed run restored the state; `saveState`
 * is called whenever the engine writes its checkpoint and stored inside it (`checkpoint.ts`), and
 * `loadState` receives it back on resume, so a checkpoint alone resumes the extensions.
 *
 * @module
 */
import type { Scalar } from "@tensorflow/tfjs";
import type { Batch } from "../data/batch.ts";
import type { WeightMap } from "../model/weights.ts";
import type { TfDistilBert } from "./distilbert.ts";
import { composeHooks, type ForwardHooks } from "./hooks.ts";
import type { LossContext } from "./loss.ts";

/**
 * What an extension saves in the engine's checkpoint: JSON data (observers, a schedule's
 * position) and float tensors by key (masks, scores; stored as checkpoint tensors, not JSON).
 */
export interface ExtensionState {
  /** JSON-serialisable data. */
  data?: unknown;
  /** Tensors by key, e.g. `mask/<weight name>`. */
  tensors?: WeightMap;
}

/** What every callback of a {@link TrainExtension} sees. */
export interface ExtensionContext {
  /** The model being trained. */
  model: TfDistilBert;
  /** Updates of the whole run (for schedules). */
  totalSteps: number;
}

/** What {@link TrainExtension.start} sees. */
export interface ExtensionStartContext extends ExtensionContext {
  /** The update a resumed run continues from (the state is already restored); else undefined. */
  resumedFrom?: number;
}

/** What {@link TrainExtension.loss} sees: the engine's loss context and the model. */
export interface ExtensionLossContext extends LossContext, ExtensionContext {}

/** What {@link TrainExtension.afterGradients} sees. */
export interface GradientContext extends ExtensionContext {
  /** Updates done before this one (0 for the first). */
  step: number;
  batch: Batch;
  /** The training loss, extension terms included. */
  loss: number;
  /**
   * Gradient of the loss by weight name (weights the loss does not depend on are absent), in
   * the weight's layout, before clipping. Editing an array in place changes the update.
   */
  gradients: ReadonlyMap<string, Float32Array>;
}

/** What {@link TrainExtension.afterUpdate} sees. */
export interface UpdateContext extends ExtensionContext {
  /** Updates done before this one (0 for the first). */
  step: number;
  /** Learning rate of the update. */
  lr: number;
}

/** A technique's additions to the training loop; every member but `name` is optional. */
export interface TrainExtension {
  /** Unique among a run's extensions; the key of its state in the checkpoint (no `/`). */
  readonly name: string;
  /** Forward hooks installed while training (see `hooks.ts`). */
  readonly hooks?: ForwardHooks;
  /** Once before the first update of this call (a resumed run has loaded the state). */
  start?(context: ExtensionStartContext): void | Promise<void>;
  /** A term added to the loss, built with tfjs ops inside the gradient tape. */
  loss?(context: ExtensionLossContext): Scalar;
  /** Sees (and may edit) every weight's gradient before the update. */
  afterGradients?(context: GradientContext): void;
  /** After the optimizer's update. */
  afterUpdate?(context: UpdateContext): void;
  /** The state to store in the checkpoint (called at every checkpoint write); pairs with `loadState`. */
  saveState?(): ExtensionState;
  /** Continues from a state {@link TrainExtension.saveState} returned (a resumed run). */
  loadState?(state: ExtensionState): void;
  /**
   * Once when this call of `train` ends — completed, stopped or failed: release what the
   * extension keeps on the engine (its tensors live in the WebAssembly heap, which does not
   * shrink: a full-size model's masks are 170 MB).
   */
  end?(): void;
}

/** An extension cannot be used as given; the message names it and the fix. */
export class TrainExtensionError extends Error {
  override name = "TrainExtensionError";
}

const NAME = /^[A-Za-z0-9_.:-]+$/;

/**
 * Checks that every extension has a distinct name usable as a checkpoint key and saves and loads
 * its state both or neither; throws {@link TrainExtensionError} otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkExtensions, TrainExtensionError } from "./extension.ts";
 * checkExtensions([{ name: "qat" }, { name: "prune" }]);
 * assert.throws(() => checkExtensions([{ name: "qat" }, { name: "qat" }]), TrainExtensionError);
 * assert.throws(() => checkExtensions([{ name: "a/b" }]), TrainExtensionError);
 * assert.throws(() => checkExtensions([{ name: "s", saveState: () => ({}) }]), TrainExtensionError);
 * ```
 */
export function checkExtensions(extensions: readonly TrainExtension[]): void {
  const seen = new Set<string>();
  for (const { name, saveState, loadState } of extensions) {
    if (!saveState !== !loadState) {
      throw new TrainExtensionError(
        `training extension "${name}" has ${saveState ? "saveState" : "loadState"} without ` +
          `${saveState ? "loadState" : "saveState"}; give it both (a resumed run must restore ` +
          "what a checkpoint saved) or neither.",
      );
    }
    if (!NAME.test(name)) {
      throw new TrainExtensionError(
        `training extension name ${JSON.stringify(name)} must be letters, digits, "_", ".", ":" ` +
          `or "-" (it keys the extension's state in the checkpoint); rename it.`,
      );
    }
    if (seen.has(name)) {
      throw new TrainExtensionError(
        `two training extensions are named "${name}"; give each a distinct name (it keys its ` +
          "state in the checkpoint).",
      );
    }
    seen.add(name);
  }
}

/**
 * Installs the extensions' hooks inside `model`'s own (the first extension outermost) and
 * returns the function that restores the model's hooks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installExtensionHooks } from "./extension.ts";
 * import type { TfDistilBert } from "./distilbert.ts";
 * const model = { hooks: {} } as TfDistilBert;
 * const own = model.hooks;
 * const restore = installExtensionHooks(model, [{ name: "a", hooks: { matMul: (c, next) => next(c) } }]);
 * assert.equal(typeof model.hooks.matMul, "function");
 * restore();
 * assert.equal(model.hooks, own);
 * ```
 */
export function installExtensionHooks(
  model: TfDistilBert,
  extensions: readonly TrainExtension[],
): () => void {
  const own = model.hooks;
  const layers = extensions.flatMap((e) => (e.hooks ? [e.hooks] : []));
  if (layers.length === 0) return () => {};
  model.hooks = composeHooks(own, ...layers);
  return () => {
    model.hooks = own;
  };
}
