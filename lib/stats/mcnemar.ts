/** An exact McNemar test of two classifiers on the same labelled rows. */
export interface McNemarResult {
  /** Rows the reference gets right and the candidate wrong. */
  referenceOnly: number;
  /** Rows the candidate gets right and the reference wrong. */
  candidateOnly: number;
  /** `referenceOnly + candidateOnly`: the rows that decide the test. */
  discordant: number;
  /** Two-sided exact p-value (binomial test of the discordant rows against ½). */
  pValue: number;
}

/** McNemar's test could not compare the predictions; the message says why. */
export class McNemarError extends Error {
  override name = "McNemarError";
}

/**
 * Two-sided exact binomial p-value of `k` successes in `n` trials with probability ½:
 * `min(1, 2·P(X ≤ min(k, n − k)))`, computed in log space (exact to rounding for any `n`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { binomialTwoSided } from "./mcnemar.ts";
 * assert.equal(binomialTwoSided(1, 8), 18 / 256);
 * assert.equal(binomialTwoSided(0, 0), 1);
 * ```
 */
export function binomialTwoSided(k: number, n: number): number {
  const m = Math.min(k, n - k);
  if (2 * m === n) return 1;
  let tail = 0;
  if (n <= 1000) {
    // C(n, i)·2⁻ⁿ term by term: exact for the small tails of a classifier comparison.
    let term = 2 ** -n;
    for (let i = 0; i <= m; i++) {
      if (i > 0) term *= (n - i + 1) / i;
      tail += term;
    }
  } else {
    // log C(n, i), then log-sum-exp, where 2⁻ⁿ would underflow.
    const logs: number[] = [];
    let logChoose = 0;
    for (let i = 0; i <= m; i++) {
      if (i > 0) logChoose += Math.log((n - i + 1) / i);
      logs.push(logChoose);
    }
    const top = Math.max(...logs);
    tail = Math.exp(top - n * Math.LN2) * logs.reduce((s, l) => s + Math.exp(l - top), 0);
  }
  return Math.min(1, 2 * tail);
}

/**
 * The exact (conditional) McNemar test of a candidate (a compressed model) against a reference
 * (FP32) on paired predictions: only the rows exactly one of them gets right count, and under the
 * hypothesis of equal accuracy each is equally likely to favour either. A large p-value means
 * the accuracy difference is within noise. Rows with a negative label are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mcnemarExact } from "./mcnemar.ts";
 * const t = mcnemarExact({ labels: [1, 1, 0, 0], reference: [1, 1, 0, 1], candidate: [1, 0, 0, 0] });
 * assert.deepEqual([t.referenceOnly, t.candidateOnly, t.pValue], [1, 1, 1]);
 * ```
 */
export function mcnemarExact(
  options: {
    labels: ArrayLike<number>;
    reference: ArrayLike<number>;
    candidate: ArrayLike<number>;
  },
): McNemarResult {
  const { labels, reference, candidate } = options;
  if (reference.length !== labels.length || candidate.length !== labels.length) {
    throw new McNemarError(
      `${labels.length} labels, ${reference.length} reference and ${candidate.length} ` +
        `candidate predictions: score both models on the same rows.`,
    );
  }
  let referenceOnly = 0;
  let candidateOnly = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    const r = reference[i] === labels[i];
    const c = candidate[i] === labels[i];
    if (r && !c) referenceOnly++;
    else if (c && !r) candidateOnly++;
  }
  const discordant = referenceOnly + candidateOnly;
  return {
    referenceOnly,
    candidateOnly,
    discordant,
    pValue: binomialTwoSided(referenceOnly, discordant),
  };
}
