/**
 * The `bayesian` strategy: Bayesian optimization over the space the workshop's slide draws — FP32
 * fallback op by op, with the recipe dimensions (calibration, per-channel, symmetric activations,
 * any registered one) as further coordinates. A candidate is encoded as one-hot recipe values, one
 * bit per quantizable op left in FP32 and the share of ops left in FP32 (`encodeCandidate`).
 *
 * - **What it learns from.** Every trial's *quality*: its agreement with the FP32 model's
 *   predictions when the evaluation reports one (else accuracy / FP32 accuracy), less a small
 *   price for the ops given back ({@link BAYESIAN_FALLBACK_PRICE} for all of them). Agreement is
 *   the partial result of a failing trial: accuracy on a few hundred pairs moves by whole pairs and
 *   hides that a configuration got closer, agreement does not.
 * - **Prior mean.** The ops' measured sensitivity (the run's measure, by default the logit error
 *   with only that op quantized — no trials spent) predicts how much of the default's lost quality
 *   a fallback set gives back: the default's quality plus (1 − it) × the share of the logarithm
 *   of the predicted error (the sum of the sensitivities of the ops still quantized) that the set
 *   removes, down to {@link BAYESIAN_REPAIRED_ERROR} of the default's. Logarithm, because errors
 *   span orders of magnitude and one op with an outlier input left quantized keeps the model
 *   broken: a prior linear in the summed sensitivity (and candidates only one step from the trials)
 *   promised a gain for each single op given back that the trials then refuted, and the process
 *   wandered (on the outlier twin, 8 and 19 trials for seeds 0 and 1). A Gaussian process
 *   (Matérn 5/2, `gaussian_process.ts`, length scale by marginal likelihood on a grid in units of
 *   one changed coordinate, signal at least half the default's lost quality) models what the
 *   trials say beyond that prior: a recipe that repairs the model, or an op the sensitivity under-
 *   or over-rates, is learned from the residuals.
 * - **Next trial.** After the default and {@link BAYESIAN_INITIAL_DRAWS} seeded random draws among
 *   configurations one step from it (one op in FP32, or one recipe value changed), the untried
 *   candidate with the largest expected improvement: among every one-step neighbour (add or remove
 *   one op, change one recipe value) of every trial so far, the k most sensitive ops in FP32 for
 *   every k under each recipe tried (where the prior points), and a seeded sample of random
 *   configurations. Ties: the first candidate in that order.
 *
 * Stops at the first trial that meets the criterion (unless the run optimizes an objective), when
 * no untried candidate is left, or at the budget. Deterministic for a seed.
 *
 * @module
 */

import { encodeCandidate } from "./candidates.ts";
import { expectedImprovement, fitGaussianProcess } from "./gaussian_process.ts";
import type { FallbackGroup } from "./groups.ts";
import type { Candidate } from "./quantization_space.ts";
import { pruneRecipe, type Recipe, recipeDimensions } from "./recipes.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";
import type { Trial } from "./types.ts";

/** Random draws after the default before the process takes over. */
export const BAYESIAN_INITIAL_DRAWS = 2;

/** Quality the score gives up for leaving every op in FP32 (a share of it per op). */
export const BAYESIAN_FALLBACK_PRICE = 0.1;

/**
 * Predicted error, as a share of the default's, at which the prior counts the model as repaired:
 * the logarithmic scale of the prior mean ends there, so ops far less sensitive than the ones that
 * matter (the tail spans orders of magnitude) promise nothing.
 */
export const BAYESIAN_REPAIRED_ERROR = 1e-3;

/** Random configurations added to the candidates at each step. */
const RANDOM_CANDIDATES = 48;

/** Length scales tried, in units of one changed coordinate. */
const LENGTH_SCALES = [0.5, 1, 2, 4, 8];

/** The `bayesian` strategy (registered as `"bayesian"`). */
export const bayesianStrategy: TuneStrategy = registerStrategy({
  name: "bayesian",
  description:
    "Gaussian process + expected improvement over recipes × FP32 ops, sensitivity as prior mean",
  async run(ctx) {
    const first = await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
    if (!first || ctx.satisfied(first)) return;
    const ops = ctx.ops();
    const ranked = await ctx.sensitivity(ops, ctx.defaultRecipe);
    if (!ranked) return;
    const model = new Surrogate(ctx, ops, ranked, quality(ctx, first));
    model.observe({ phase: "default", recipe: ctx.defaultRecipe }, first);
    const steps = neighbours(ctx, { phase: "bayesian-init", recipe: ctx.defaultRecipe }, ops)
      .filter((c) => !ctx.tried(c));
    for (let i = 0; i < BAYESIAN_INITIAL_DRAWS && steps.length > 0; i++) {
      const pick = steps.splice(ctx.rng.int(steps.length), 1)[0];
      const trial = await ctx.run(pick);
      if (!trial || ctx.satisfied(trial)) return;
      model.observe(pick, trial);
    }
    for (;;) {
      const candidate = model.next();
      if (!candidate) return;
      const trial = await ctx.run(candidate);
      if (!trial || ctx.satisfied(trial)) return;
      model.observe(candidate, trial);
    }
  },
});

/** Agreement with FP32 when measured, else accuracy relative to FP32. */
function quality(ctx: TuneContext, trial: Trial): number {
  return trial.agreement ?? trial.accuracy / Math.max(1e-9, ctx.baseline.accuracy);
}

/** The prior mean, the observations and the choice of the next candidate. */
class Surrogate {
  readonly #ctx: TuneContext;
  readonly #ops: FallbackGroup[];
  /** Sensitivity of each op, most sensitive first. */
  readonly #ranked: { label: string; score: number }[];
  readonly #floor: number;
  readonly #start: number;
  readonly #seen: { candidate: Candidate; x: number[]; y: number }[] = [];

  constructor(
    ctx: TuneContext,
    ops: FallbackGroup[],
    ranked: readonly { label: string; score: number }[],
    start: number,
  ) {
    this.#ctx = ctx;
    this.#ops = ops;
    this.#start = start;
    this.#ranked = ranked.map((e) => ({ label: e.label, score: Math.max(0, e.score) }));
    const total = this.#ranked.reduce((sum, e) => sum + e.score, 0);
    this.#floor = Math.max(1e-12, total * BAYESIAN_REPAIRED_ERROR);
  }

  #encode(c: Candidate): number[] {
    return encodeCandidate(c, this.#ctx.space, this.#ops);
  }

  #price(c: Candidate): number {
    return BAYESIAN_FALLBACK_PRICE * (c.fallback?.length ?? 0) / Math.max(1, this.#ops.length);
  }

  /** Predicted error: the floor plus the sensitivity of the ops still quantized. */
  #error(c: Candidate): number {
    const fallen = new Set((c.fallback ?? []).map((g) => g.label));
    return this.#ranked.reduce((sum, e) => sum + (fallen.has(e.label) ? 0 : e.score), this.#floor);
  }

  /**
   * Prior mean of the score: the share of the default's lost quality given back is the share of
   * the *logarithm* of the predicted error removed (errors of quantized ops add up, and span
   * orders of magnitude: one op left with an outlier input keeps the model broken), less the price.
   */
  #prior(c: Candidate): number {
    const none = this.#error({ phase: "", recipe: this.#ctx.defaultRecipe });
    const range = Math.log(none / this.#floor);
    const share = range > 0 ? Math.log(none / this.#error(c)) / range : 0;
    return this.#start + (1 - this.#start) * share - this.#price(c);
  }

  observe(candidate: Candidate, trial: Trial): void {
    const y = quality(this.#ctx, trial) - this.#price(candidate);
    this.#seen.push({ candidate, x: this.#encode(candidate), y });
  }

  /** The untried candidate of largest expected improvement, or undefined when none is left. */
  next(): Candidate | undefined {
    const pool = this.#candidates();
    if (pool.length === 0) return undefined;
    const residuals = this.#seen.map((s) => s.y - this.#prior(s.candidate));
    const gp = fitGaussianProcess(this.#seen.map((s) => s.x), residuals, {
      lengthScales: LENGTH_SCALES,
      minSignalStd: (1 - this.#start) / 2,
    });
    const best = Math.max(...this.#seen.map((s) => s.y));
    let chosen = pool[0];
    let top = -Infinity;
    for (const c of pool) {
      const p = gp.predict(this.#encode(c));
      const ei = expectedImprovement({ mean: this.#prior(c) + p.mean, std: p.std }, best, 1e-4);
      if (ei > top) [chosen, top] = [c, ei];
    }
    return chosen;
  }

  /**
   * Neighbours of every observation, the k most sensitive ops in FP32 (every k, under each recipe
   * tried), then random configurations; untried, no repeats.
   */
  #candidates(): Candidate[] {
    const ctx = this.#ctx;
    const all = this.#seen.flatMap((s) =>
      neighbours(ctx, { ...s.candidate, phase: "bayesian" }, this.#ops)
    );
    for (const recipe of new Set(this.#seen.map((s) => s.candidate.recipe))) {
      for (let k = 1; k < this.#ranked.length; k++) {
        const top = new Set(this.#ranked.slice(0, k).map((e) => e.label));
        all.push({
          phase: "bayesian",
          recipe,
          fallback: this.#ops.filter((g) => top.has(g.label)),
        });
      }
    }
    for (let i = 0; i < RANDOM_CANDIDATES; i++) all.push(randomCandidate(ctx, this.#ops));
    const keys = new Set<string>();
    return all.filter((c) => {
      const key = this.#encode(c).join();
      if (keys.has(key) || ctx.tried(c)) return false;
      keys.add(key);
      return true;
    });
  }
}

/** Every configuration one step from `from`: one op added or removed, one recipe value changed. */
function neighbours(ctx: TuneContext, from: Candidate, ops: FallbackGroup[]): Candidate[] {
  const fallback = from.fallback ?? [];
  const labels = new Set(fallback.map((g) => g.label));
  const out: Candidate[] = [];
  for (const op of ops) {
    const next = labels.has(op.label)
      ? fallback.filter((g) => g.label !== op.label)
      : ops.filter((g) => labels.has(g.label) || g === op);
    out.push({ phase: from.phase, recipe: from.recipe, fallback: next });
  }
  for (const name of recipeDimensions(ctx.space)) {
    for (const value of ctx.space[name]) {
      if (value === from.recipe[name]) continue;
      const recipe = pruneRecipe({ ...from.recipe, [name]: value } as Recipe);
      out.push({ phase: from.phase, recipe, fallback });
    }
  }
  return out;
}

/** A seeded random recipe and fallback set (each op in FP32 with probability 1/8). */
function randomCandidate(ctx: TuneContext, ops: FallbackGroup[]): Candidate {
  const drawn: Record<string, unknown> = {};
  for (const { name } of ctx.dimensions) {
    if (ctx.space[name].length > 0) drawn[name] = ctx.rng.pick(ctx.space[name]);
  }
  const fallback = ops.filter(() => ctx.rng.next() < 0.125);
  return { phase: "bayesian", recipe: pruneRecipe(drawn as Recipe), fallback };
}
