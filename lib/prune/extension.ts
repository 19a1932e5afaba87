/**
 * Pruning as a training extension of the engine (`lib/train`): {@link PruneExtension} scores the
 * prunable weights with a criterion (observing gradients after every backward pass when the
 * criterion needs them, adding its penalty to the loss while the schedule prunes), prunes at the
 * schedule's updates to the targets' sparsity (monotonically: what is pruned stays pruned),
 * zeroes the pruned entries' gradients and re-applies the masks after every update. Its masks and
 * the criterion's scores are saved in the engine's checkpoint, so an interrupted run resumes to
 * the same masks and weights.
 *
 * @module
 */
import type { Scalar } from "@tensorflow/tfjs";
import type { DistilBertConfig } from "../model/config.ts";
import type { WeightMap } from "../model/weights.ts";
import type { TfDistilBert } from "../train/distilbert.ts";
import { tf } from "../train/backend.ts";
import type {
  ExtensionLossContext,
  ExtensionStartContext,
  ExtensionState,
  GradientContext,
  TrainExtension,
  UpdateContext,
} from "../train/extension.ts";
import { createCriterion } from "./criteria/registry.ts";
import type { CriterionOptions, PruneCriterion } from "./criteria/types.ts";
import { PruneOptionsError } from "./errors.ts";
import { type PrunableOptions, prunableWeights } from "./layers.ts";
import { type MaskSet, type MaskSparsity, maskSparsity } from "./mask.ts";
import { MaskKeeper } from "./mask_keeper.ts";
import { checkSchedule, pruneEvents, type PruneSchedule, scheduledSparsity } from "./schedule.ts";
import {
  maskedWeights,
  type PruneTarget,
  type ResolvedTarget,
  resolveTargets,
  selectMasks,
} from "./targets.ts";

/** What to prune, by which criterion, on which schedule. */
export interface PruneOptions {
  /** A registered criterion name or a criterion (default `magnitude`). */
  criterion?: string | PruneCriterion;
  /** Options of a criterion given by name (seed, momentum, penalty, scoringSteps). */
  criterionOptions?: CriterionOptions;
  /** Patterns and sparsities, e.g. `[{ pattern: "4x1", sparsity: 0.7 }]` or ffn + head. */
  targets: readonly PruneTarget[];
  /** Default one-shot at the criterion's `scoringSteps`. */
  schedule?: PruneSchedule;
  /** Which weights may be pruned (default: every transformer Linear). */
  layers?: PrunableOptions;
  /** Extension name, the key of its checkpoint state (default `prune`). */
  name?: string;
}

const MASK = "mask/";
const CRITERION = "criterion/";

/**
 * Pruning on the training engine; see the module doc. Every option is checked when it is
 * constructed (before any work): sparsity outside [0, 1), a pattern that does not divide a
 * weight, an unknown pattern or criterion, every head of a layer, a bad schedule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/config.ts";
 * import { PruneExtension } from "./extension.ts";
 * const p = new PruneExtension(DISTILBERT_BASE, { criterion: "taylor", targets: [{ pattern: "4x1", sparsity: 0.7 }] });
 * assert.equal(p.lastPruneStep, 4);
 * assert.throws(() => new PruneExtension(DISTILBERT_BASE, { criterion: "obd", targets: [] }), /no criterion/);
 * ```
 */
export class PruneExtension implements TrainExtension {
  readonly name: string;
  /** The criterion scoring the weights. */
  readonly criterion: PruneCriterion;
  /** The targets, checked against the model. */
  readonly targets: readonly ResolvedTarget[];
  /** The schedule. */
  readonly schedule: PruneSchedule;
  /** Pruning updates and the ramp's progress at each. */
  readonly events: ReadonlyMap<number, number>;
  /** The last pruning update (the targets are reached there). */
  readonly lastPruneStep: number;
  readonly #config: DistilBertConfig;
  readonly #weights: ReadonlyMap<string, readonly number[]>;
  readonly #keeper = new MaskKeeper();
  #pruned = false;

  constructor(config: DistilBertConfig, options: PruneOptions) {
    this.name = options.name ?? "prune";
    this.#config = config;
    this.criterion = typeof options.criterion === "object"
      ? options.criterion
      : createCriterion(options.criterion ?? "magnitude", options.criterionOptions);
    this.schedule = options.schedule ?? { kind: "oneshot" };
    checkSchedule(this.schedule);
    this.targets = resolveTargets(config, options.targets, prunableWeights(config, options.layers));
    this.#weights = maskedWeights(this.targets);
    this.events = pruneEvents(this.schedule, this.criterion.scoringSteps);
    this.lastPruneStep = Math.max(...this.events.keys());
  }

  /** The masks so far (empty before the first pruning step). */
  masks(): MaskSet {
    return this.#pruned ? this.#keeper.masks : new Map();
  }

  /** Zero fraction of {@link masks}, overall and per weight. */
  sparsity(): MaskSparsity {
    return maskSparsity(this.masks());
  }

  /** Checks the model and the run's length; re-applies resumed masks. */
  start({ model, totalSteps }: ExtensionStartContext): void {
    if (model.config.dim !== this.#config.dim || model.config.nLayers !== this.#config.nLayers) {
      throw new PruneOptionsError(
        `the pruning targets were made for a model of dim ${this.#config.dim} and ` +
          `${this.#config.nLayers} layers, this one has ${model.config.dim} and ` +
          `${model.config.nLayers}; make the extension with this model's config.`,
      );
    }
    if (this.lastPruneStep >= totalSteps) {
      throw new PruneOptionsError(
        `the schedule prunes last at update ${this.lastPruneStep}, but the run has ` +
          `${totalSteps} updates; train longer (epochs, maxSteps) or prune earlier (schedule).`,
      );
    }
    if (this.#pruned) {
      this.#keeper.check(model);
      this.#keeper.apply(model);
    }
  }

  /** The criterion's penalty (group lasso) while the schedule prunes. */
  loss(context: ExtensionLossContext): Scalar {
    const { model, step } = context;
    if (!this.criterion.penalty || step > this.lastPruneStep) {
      return scalarZero();
    }
    return this.criterion.penalty({
      units: this.targets.flatMap((t) => t.units),
      variable: (name) => model.variable(name),
    });
  }

  /** Observes gradients, prunes at the schedule's updates, zeroes the pruned gradients. */
  afterGradients({ model, step, gradients }: GradientContext): void {
    const names = [...this.#weights.keys()];
    const weight = weightReader(model);
    if (this.criterion.observe && step <= this.lastPruneStep) {
      this.criterion.observe({ names, weight, gradients });
    }
    const progress = this.events.get(step);
    if (progress !== undefined) {
      const scores = this.criterion.scores({ names, weight });
      const masks = selectMasks(this.targets, {
        scores,
        at: (final) => scheduledSparsity(this.schedule, final, progress),
        previous: this.#pruned ? this.#keeper.masks : undefined,
      });
      this.#keeper.set(masks);
      this.#pruned = true;
      this.#keeper.apply(model);
    }
    if (this.#pruned) this.#keeper.zeroGradients(gradients);
  }

  /** Re-applies the masks (AdamW's moments would move pruned weights). */
  afterUpdate({ model }: UpdateContext): void {
    if (this.#pruned) this.#keeper.apply(model);
  }

  /** Frees the masks' tensors on the engine (the masks stay, for {@link masks}). */
  end(): void {
    this.#keeper.dispose();
  }

  /** Masks (`mask/<weight>`) and the criterion's state (`criterion/…`). */
  saveState(): ExtensionState {
    const tensors: WeightMap = new Map();
    if (this.#pruned) {
      for (const [name, { mask }] of this.#keeper.masks) {
        tensors.set(MASK + name, { shape: [mask.length], data: Float32Array.from(mask) });
      }
    }
    const own = this.criterion.saveState?.();
    for (const [key, t] of own?.tensors ?? []) tensors.set(CRITERION + key, t);
    return { data: { pruned: this.#pruned, criterion: own?.data ?? null }, tensors };
  }

  /** Continues from {@link saveState}'s result. */
  loadState(state: ExtensionState): void {
    const data = state.data as { pruned?: boolean; criterion?: unknown } | undefined;
    this.#pruned = data?.pruned === true;
    if (this.#pruned) {
      const masks: MaskSet = new Map();
      for (const [name, shape] of this.#weights) {
        const t = state.tensors?.get(MASK + name);
        if (!t) {
          throw new PruneOptionsError(
            `the checkpoint's "${this.name}" state has no mask of ${name}: it was written with ` +
              "other pruning targets; resume with the same targets, or delete the checkpoint.",
          );
        }
        masks.set(name, { shape: [...shape], mask: Uint8Array.from(t.data) });
      }
      this.#keeper.set(masks);
    }
    const own: WeightMap = new Map();
    for (const [key, t] of state.tensors ?? []) {
      if (key.startsWith(CRITERION)) own.set(key.slice(CRITERION.length), t);
    }
    this.criterion.loadState?.({ data: data?.criterion ?? undefined, tensors: own });
  }
}

/** A fresh zero scalar (the loop adds it to the loss inside its tape). */
function scalarZero(): Scalar {
  return tf.scalar(0);
}

/** Reads each weight once per call (dataSync copies). */
function weightReader(model: TfDistilBert): (name: string) => Float32Array {
  const cache = new Map<string, Float32Array>();
  return (name) => {
    let w = cache.get(name);
    if (!w) cache.set(name, w = model.variable(name).dataSync() as Float32Array);
    return w;
  };
}
