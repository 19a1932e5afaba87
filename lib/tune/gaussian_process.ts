/**
 * A small Gaussian process regressor for Bayesian optimization over encoded configurations: a
 * Matérn 5/2 kernel, observations normalized to zero mean and unit variance, the length scale
 * chosen from a grid by marginal likelihood, and expected improvement as the acquisition. Plain
 * arrays and a Cholesky factorization: the tuner's spaces have tens of observations, not
 * thousands.
 *
 * @module
 */

import { TuneOptionsError } from "./errors.ts";

/** Options of {@link fitGaussianProcess}. */
export interface GaussianProcessOptions {
  /** Candidate length scales (default 0.25, 0.5, 1, 2, 4 × √dimensions); the likeliest is kept. */
  lengthScales?: readonly number[];
  /** Observation noise variance on the normalized scale (default 1e-4). */
  noise?: number;
  /**
   * Least signal standard deviation, on the observations' scale (default none). Values are
   * normalized by their spread, or by 1 when they do not vary: a caller that knows the scale of
   * what it models (the quality a tuner can win back) sets it, so a few equal observations do
   * not make every unexplored point look ±1 uncertain.
   */
  minSignalStd?: number;
}

/** A fitted process: predicts mean and standard deviation on the observations' scale. */
export interface GaussianProcess {
  /** The length scale chosen. */
  readonly lengthScale: number;
  /** Mean and standard deviation at `x`. */
  predict(x: readonly number[]): { mean: number; std: number };
}

/** Matérn 5/2 covariance of two points at length scale `l` (unit signal variance). */
export function matern52(a: readonly number[], b: readonly number[], l: number): number {
  let d2 = 0;
  for (let i = 0; i < a.length; i++) d2 += (a[i] - b[i]) ** 2;
  const r = Math.sqrt(5 * d2) / l;
  return (1 + r + (r * r) / 3) * Math.exp(-r);
}

/** Lower Cholesky factor of a symmetric positive definite matrix (row-major, n × n). */
function cholesky(k: number[][]): number[][] {
  const n = k.length;
  const l = k.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = k[i][j];
      for (let p = 0; p < j; p++) s -= l[i][p] * l[j][p];
      if (i === j) {
        if (!(s > 0)) throw new TuneOptionsError("GP kernel matrix is not positive definite.");
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  return l;
}

/** Solves L·x = b (forward substitution). */
function forward(l: number[][], b: readonly number[]): number[] {
  const x = new Array<number>(b.length);
  for (let i = 0; i < b.length; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i][p] * x[p];
    x[i] = s / l[i][i];
  }
  return x;
}

/** Solves Lᵀ·x = b (back substitution). */
function backward(l: number[][], b: readonly number[]): number[] {
  const n = b.length;
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let p = i + 1; p < n; p++) s -= l[p][i] * x[p];
    x[i] = s / l[i][i];
  }
  return x;
}

/**
 * Fits a Gaussian process to points `xs` (same length each) and values `ys`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitGaussianProcess } from "./gaussian_process.ts";
 * const gp = fitGaussianProcess([[0], [1], [2]], [0, 1, 0]);
 * assert.ok(Math.abs(gp.predict([1]).mean - 1) < 0.01);
 * assert.ok(gp.predict([1]).std < gp.predict([5]).std);
 * ```
 */
export function fitGaussianProcess(
  xs: readonly (readonly number[])[],
  ys: readonly number[],
  options: GaussianProcessOptions = {},
): GaussianProcess {
  if (xs.length === 0 || xs.length !== ys.length) {
    throw new TuneOptionsError(
      `a Gaussian process needs as many points as values, at least one (got ${xs.length} points, ${ys.length} values).`,
    );
  }
  const n = ys.length;
  const mean = ys.reduce((s, y) => s + y, 0) / n;
  const variance = ys.reduce((s, y) => s + (y - mean) ** 2, 0) / n;
  const own = variance > 1e-12 ? Math.sqrt(variance) : 0;
  const scale = Math.max(own, options.minSignalStd ?? 0) || 1;
  const z = ys.map((y) => (y - mean) / scale);
  const noise = options.noise ?? 1e-4;
  const root = Math.sqrt(Math.max(1, xs[0].length));
  const scales = options.lengthScales ?? [0.25, 0.5, 1, 2, 4].map((f) => f * root);
  let best: { l: number; chol: number[][]; alpha: number[]; ll: number } | undefined;
  for (const l of scales) {
    const k = xs.map((a, i) => xs.map((b, j) => matern52(a, b, l) + (i === j ? noise : 0)));
    const chol = cholesky(k);
    const alpha = backward(chol, forward(chol, z));
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(chol[i][i]);
    const ll = -0.5 * z.reduce((s, v, i) => s + v * alpha[i], 0) - logDet;
    if (!best || ll > best.ll + 1e-12) best = { l, chol, alpha, ll };
  }
  const { l, chol, alpha } = best!;
  return {
    lengthScale: l,
    predict(x) {
      const kx = xs.map((a) => matern52(a, x, l));
      const mu = kx.reduce((s, v, i) => s + v * alpha[i], 0);
      const v = forward(chol, kx);
      const varZ = Math.max(1e-12, 1 - v.reduce((s, w) => s + w * w, 0));
      return { mean: mean + scale * mu, std: scale * Math.sqrt(varZ) };
    },
  };
}

/** Standard normal cumulative distribution (Abramowitz–Stegun 7.1.26 via erf). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * Expected improvement over `best` (maximizing) of a prediction, with exploration margin `xi`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectedImprovement } from "./gaussian_process.ts";
 * assert.ok(expectedImprovement({ mean: 1, std: 0.1 }, 0.5) > 0.49);
 * assert.ok(expectedImprovement({ mean: 0, std: 1 }, 0) > expectedImprovement({ mean: 0, std: 0.1 }, 0));
 * ```
 */
export function expectedImprovement(
  prediction: { mean: number; std: number },
  best: number,
  xi = 0,
): number {
  const { mean, std } = prediction;
  const gain = mean - best - xi;
  if (std <= 1e-12) return Math.max(0, gain);
  const z = gain / std;
  const pdf = Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
  return gain * normalCdf(z) + std * pdf;
}
