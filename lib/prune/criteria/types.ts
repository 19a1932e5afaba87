/**
 * What a pruning criterion (a saliency measure) is: it gives every weight entry a score (higher
 * keeps), from the weights alone (magnitude, random) or from gradients it observes during
 * training (Taylor/SNIP, snip-momentum); it may add a penalty to the loss (group lasso) and keep
 * state that the engine's checkpoint saves.
 *
 * @module
 */
import type { Scalar, Tensor } from "@tensorflow/tfjs";
import type { ExtensionState } from "../../train/extension.ts";
import type { PruneUnit } from "../patterns/types.ts";

/** The weights a criterion scores. */
export interface ScoreContext {
  /** Names of the weights to score. */
  names: readonly string[];
  /** The current values of a weight, PyTorch layout, row-major. */
  weight(name: string): Float32Array;
}

/** What {@link PruneCriterion.observe} sees after each batch's backward pass. */
export interface ObserveContext extends ScoreContext {
  /** Gradients of the loss by weight name (before the update, before clipping). */
  gradients: ReadonlyMap<string, Float32Array>;
}

/** What {@link PruneCriterion.penalty} sees, inside the gradient tape. */
export interface PenaltyContext {
  /** The units of the pruning targets (their groups are the penalty's groups). */
  units: readonly PruneUnit[];
  /** A weight's variable (differentiable). */
  variable(name: string): Tensor;
}

/** A saliency measure; see the module doc. */
export interface PruneCriterion {
  /** Registry name. */
  readonly name: string;
  /** Whether {@link observe} must see gradients before {@link scores} can answer. */
  readonly needsGradients: boolean;
  /** Updates to observe before a one-shot prune, by default (0: prune before the first update). */
  readonly scoringSteps: number;
  /** Accumulates what one batch says (gradient criteria). */
  observe?(context: ObserveContext): void;
  /** Element scores by weight name (higher keeps). */
  scores(context: ScoreContext): Map<string, Float32Array>;
  /** A term added to the training loss while the schedule prunes (group lasso's L2,1). */
  penalty?(context: PenaltyContext): Scalar;
  /** State to store in the training checkpoint; pairs with {@link loadState}. */
  saveState?(): ExtensionState;
  /** Continues from {@link saveState}'s result. */
  loadState?(state: ExtensionState): void;
}

/** Options every criterion factory receives (each reads the ones it uses). */
export interface CriterionOptions {
  /** Seed of the random baseline (default 0). */
  seed?: number;
  /** snip-momentum: decay of the running score per update (default 0.9). */
  momentum?: number;
  /** group-lasso: weight λ of the L2,1 penalty (default 1e-3). */
  penalty?: number;
  /** Override of {@link PruneCriterion.scoringSteps}. */
  scoringSteps?: number;
}
