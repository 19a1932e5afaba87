/**
 * Group lasso: while the schedule prunes, λ · Σ_groups ‖w_g‖₂ (an L2,1 norm over the groups of
 * the target's pattern: blocks, N:M runs, FFN neurons, heads; single entries give plain L1) is
 * added to the training loss, which drives whole groups towards zero; the groups with the
 * smallest norms are then removed (an entry's score is w², so a group's score is ‖w_g‖²).
 *
 * @module
 */
import type { Scalar } from "@tensorflow/tfjs";
import { tf } from "../../train/backend.ts";
import { PruneOptionsError } from "../errors.ts";
import type { CriterionOptions, PenaltyContext, PruneCriterion } from "./types.ts";

/** Added under the square root so the norm's gradient stays finite at zero. */
const EPSILON = 1e-12;

/**
 * λ · Σ over every unit's groups of √(Σ w² + ε), built with tfjs ops (differentiable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../../train/backend.ts";
 * import { groupLassoPenalty } from "./group_lasso.ts";
 * import { blockPattern } from "../patterns/block.ts";
 * import { DISTILBERT_BASE } from "../../model/config.ts";
 * const units = blockPattern({ rows: 1, cols: 2 }).units(DISTILBERT_BASE, new Map([["w", [1, 4]]]));
 * const tf = await initTf();
 * const w = tf.tensor2d([[3, 4, 0, 1]]);
 * const penalty = groupLassoPenalty({ units, variable: () => w }, 0.5);
 * assert.ok(Math.abs(penalty.dataSync()[0] - 0.5 * (5 + 1)) < 1e-5);
 * ```
 */
export function groupLassoPenalty(context: PenaltyContext, lambda: number): Scalar {
  return tf.tidy(() => {
    const norms = context.units.map((u) =>
      tf.sum(tf.sqrt(tf.add(u.groupSquares(context.variable), EPSILON)))
    );
    return tf.mul(lambda, norms.length ? tf.addN(norms) : tf.scalar(0)) as Scalar;
  });
}

/**
 * The group-lasso criterion (a one-shot prune comes after 16 penalised updates by default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupLassoCriterion } from "./group_lasso.ts";
 * const c = groupLassoCriterion({ penalty: 1e-2 });
 * assert.deepEqual([...c.scores({ names: ["w"], weight: () => Float32Array.of(-2, 1) }).get("w")!], [4, 1]);
 * ```
 */
export function groupLassoCriterion(options: CriterionOptions = {}): PruneCriterion {
  const lambda = options.penalty ?? 1e-3;
  if (!(lambda >= 0 && Number.isFinite(lambda))) {
    throw new PruneOptionsError(
      `penalty ${lambda} of criterion group-lasso must be a finite λ ≥ 0 (e.g. 1e-3).`,
    );
  }
  return {
    name: "group-lasso",
    needsGradients: false,
    scoringSteps: options.scoringSteps ?? 16,
    scores: ({ names, weight }) => new Map(names.map((n) => [n, weight(n).map((x) => x * x)])),
    penalty: (context) => groupLassoPenalty(context, lambda),
  };
}
