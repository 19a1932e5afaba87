/**
 * Keeping masked weights at zero on the training engine: {@link MaskKeeper} multiplies the
 * model's variables by their masks and zeroes the gradients of pruned entries (so neither the
 * clipping norm nor AdamW's moments see them); {@link patternLock} is the training extension
 * that does both around every update, so any later training — task fine-tuning, distillation
 * (`lib/distill`, through `train.extensions`), QAT (`lib/qat`'s `trainQat`, through
 * `extensions`) — keeps an existing sparsity pattern.
 *
 * @module
 */
import type { Tensor } from "@tensorflow/tfjs";
import type { WeightMap } from "../model/weights.ts";
import { tf } from "../train/backend.ts";
import type { TfDistilBert } from "../train/distilbert.ts";
import type { TrainExtension } from "../train/extension.ts";
import { PruneOptionsError } from "./errors.ts";
import type { MaskSet } from "./mask.ts";

/** Applies a {@link MaskSet} to a model's weights and to gradients. */
export class MaskKeeper {
  #masks: MaskSet = new Map();
  #floats = new Map<string, Float32Array>();
  /** The masks on the engine's backend, made once (not uploaded again at every update). */
  #tensors = new Map<string, Tensor>();

  /** A keeper of `masks` (none: nothing masked until {@link set}). */
  constructor(masks?: MaskSet) {
    if (masks) this.set(masks);
  }

  /** Replaces the masks. */
  set(masks: MaskSet): void {
    this.#masks = masks;
    this.#floats = new Map([...masks].map(([n, { mask }]) => [n, Float32Array.from(mask)]));
    this.dispose();
  }

  /**
   * Frees the masks' tensors on the engine (the masks stay: {@link apply} makes them again if it
   * is called later). Training extensions call it when training ends.
   */
  dispose(): void {
    if (this.#tensors.size > 0) tf.dispose([...this.#tensors.values()]);
    this.#tensors.clear();
  }

  /** The masks kept. */
  get masks(): MaskSet {
    return this.#masks;
  }

  /**
   * Throws {@link PruneOptionsError} when a mask names a weight `model` lacks or has another
   * size.
   */
  check(model: TfDistilBert): void {
    for (const [name, { shape, mask }] of this.#masks) {
      const v = model.variables.get(name);
      if (!v || v.size !== mask.length) {
        throw new PruneOptionsError(
          `mask of ${name} [${shape.join(", ")}] does not fit the model (${
            v ? `its weight has shape [${v.shape.join(", ")}]` : "it has no such weight"
          }); make the masks for this model's config.`,
        );
      }
    }
  }

  /** Multiplies every masked weight of `model` by its mask (pruned entries become +0). */
  apply(model: TfDistilBert): void {
    for (const [name, floats] of this.#floats) {
      const v = model.variable(name);
      let mask = this.#tensors.get(name);
      if (!mask) this.#tensors.set(name, mask = tf.keep(tf.tensor(floats, v.shape)));
      // + 0 turns the −0 of a negative weight times 0 into +0 (exact zeros, all bits clear).
      tf.tidy(() => v.assign(tf.add(tf.mul(v, mask), 0) as Tensor));
    }
  }

  /** Zeroes, in place, the gradients of pruned entries. */
  zeroGradients(gradients: ReadonlyMap<string, Float32Array>): void {
    for (const [name, { mask }] of this.#masks) {
      const g = gradients.get(name);
      if (!g) continue;
      for (let i = 0; i < g.length; i++) if (!mask[i]) g[i] = 0;
    }
  }
}

/**
 * The masks of the non-zero entries of `names` in `weights` (1 where the weight is non-zero):
 * the sparsity pattern a pruned model already has, for {@link patternLock}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { masksFromWeights } from "./mask_keeper.ts";
 * const weights = new Map([["w", { shape: [2, 2], data: Float32Array.of(0, 1, -2, 0) }]]);
 * assert.deepEqual([...masksFromWeights(weights, ["w"]).get("w")!.mask], [0, 1, 1, 0]);
 * ```
 */
export function masksFromWeights(weights: WeightMap, names: Iterable<string>): MaskSet {
  const out: MaskSet = new Map();
  for (const name of names) {
    const w = weights.get(name);
    if (!w) {
      throw new PruneOptionsError(`weights have no ${name}; name weights the model has.`);
    }
    out.set(name, { shape: [...w.shape], mask: Uint8Array.from(w.data, (x) => (x !== 0 ? 1 : 0)) });
  }
  return out;
}

/** Options of {@link patternLock}. */
export interface PatternLockOptions {
  /** Extension name (default `prune-lock`). */
  name?: string;
}

/**
 * A training extension that keeps `masks` fixed: it zeroes the masked weights when training
 * starts, the gradients of pruned entries after every backward pass, and the weights again after
 * every update (AdamW's moments could otherwise move them). Stateless: the checkpoint's weights
 * already carry the pattern, and the masks are an input of the run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { patternLock } from "./mask_keeper.ts";
 * const lock = patternLock(new Map([["w", { shape: [2], mask: Uint8Array.of(1, 0) }]]));
 * assert.equal(lock.name, "prune-lock");
 * ```
 */
export function patternLock(masks: MaskSet, options: PatternLockOptions = {}): TrainExtension {
  const keeper = new MaskKeeper(masks);
  return {
    name: options.name ?? "prune-lock",
    start: ({ model }) => {
      keeper.check(model);
      keeper.apply(model);
    },
    afterGradients: ({ gradients }) => keeper.zeroGradients(gradients),
    afterUpdate: ({ model }) => keeper.apply(model),
    end: () => keeper.dispose(),
  };
}
