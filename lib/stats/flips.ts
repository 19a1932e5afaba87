/** A row whose predicted class differs between the reference and a candidate. */
export interface Flip {
  /** Row in dataset order. */
  index: number;
  /** The reference's prediction. */
  from: number;
  /** The candidate's prediction. */
  to: number;
  /** The label (negative when withheld). */
  label: number;
}

/** The flips of one candidate against the reference. */
export interface FlipSet {
  flips: Flip[];
  /** Flips from a wrong to a right prediction. */
  fixed: number;
  /** Flips from a right to a wrong prediction. */
  broken: number;
}

/** Predictions could not be compared row by row; the message says why. */
export class FlipsError extends Error {
  override name = "FlipsError";
}

/**
 * The rows whose prediction changes from `reference` to `candidate`, and how many of them the
 * change fixed (now right) or broke (now wrong).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { predictionFlips } from "./flips.ts";
 * const s = predictionFlips({ labels: [1, 0, 1, 0], reference: [1, 0, 0, 0], candidate: [1, 1, 1, 0] });
 * assert.deepEqual(s.flips.map((f) => f.index), [1, 2]);
 * assert.deepEqual([s.fixed, s.broken], [1, 1]);
 * ```
 */
export function predictionFlips(
  options: {
    labels: ArrayLike<number>;
    reference: ArrayLike<number>;
    candidate: ArrayLike<number>;
  },
): FlipSet {
  const { labels, reference, candidate } = options;
  sameLength({ labels, reference, candidate });
  const flips: Flip[] = [];
  let fixed = 0;
  let broken = 0;
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] === candidate[i]) continue;
    flips.push({ index: i, from: reference[i], to: candidate[i], label: labels[i] });
    if (labels[i] < 0) continue;
    if (candidate[i] === labels[i]) fixed++;
    else if (reference[i] === labels[i]) broken++;
  }
  return { flips, fixed, broken };
}

/**
 * The share of rows on which each pair of variants predicts the same class: `matrix[i][j]` for
 * `names[i]` and `names[j]` (1 on the diagonal).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agreementMatrix } from "./flips.ts";
 * const m = agreementMatrix({ fp32: [0, 1, 1, 0], int8: [0, 1, 0, 0], fp16: [0, 1, 1, 0] });
 * assert.deepEqual(m.names, ["fp32", "int8", "fp16"]);
 * assert.deepEqual(m.matrix[0], [1, 0.75, 1]);
 * ```
 */
export function agreementMatrix(
  predictions: Record<string, ArrayLike<number>>,
): { names: string[]; matrix: number[][] } {
  const names = Object.keys(predictions);
  sameLength(predictions);
  const rows = names.length === 0 ? 0 : predictions[names[0]].length;
  const matrix = names.map((a) =>
    names.map((b) => {
      if (rows === 0) return 1;
      let same = 0;
      for (let i = 0; i < rows; i++) if (predictions[a][i] === predictions[b][i]) same++;
      return same / rows;
    })
  );
  return { names, matrix };
}

/**
 * Per row, the margin of class `classes[i]` over the best other class: `logit[c] − max_{j≠c}
 * logit[j]` of a `[rows, numLabels]` matrix. Positive when the row predicts `c`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classMargins } from "./flips.ts";
 * assert.deepEqual([...classMargins({ logits: [2, 0.5, -1, 1], numLabels: 2, classes: [0, 0] })], [1.5, -2]);
 * ```
 */
export function classMargins(
  options: { logits: ArrayLike<number>; numLabels: number; classes: ArrayLike<number> },
): Float64Array {
  const { logits, numLabels, classes } = options;
  if (logits.length !== classes.length * numLabels) {
    throw new FlipsError(
      `${logits.length} logits for ${classes.length} rows × ${numLabels} labels: pass the ` +
        `[rows, numLabels] logits of the same rows.`,
    );
  }
  return Float64Array.from({ length: classes.length }, (_, r) => {
    const c = classes[r];
    let other = -Infinity;
    for (let j = 0; j < numLabels; j++) {
      if (j !== c) other = Math.max(other, logits[r * numLabels + j]);
    }
    return logits[r * numLabels + c] - other;
  });
}

/**
 * How a candidate moves each row's logit margin: both margins are taken for the class the
 * reference predicts, so `candidate` below 0 is a flip and `shift = candidate − reference` is
 * how far the compression pushed the row towards (negative) or away from (positive) a flip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { marginShift } from "./flips.ts";
 * const s = marginShift({ reference: [2, 0, 0, 1], candidate: [1.5, 0, 0, -0.5], numLabels: 2 });
 * assert.deepEqual([...s.reference], [2, 1]);
 * assert.deepEqual([...s.shift], [-0.5, -1.5]);
 * ```
 */
export function marginShift(
  options: { reference: ArrayLike<number>; candidate: ArrayLike<number>; numLabels: number },
): { reference: Float64Array; candidate: Float64Array; shift: Float64Array } {
  const { numLabels } = options;
  const rows = options.reference.length / numLabels;
  const classes = Int32Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let j = 1; j < numLabels; j++) {
      if (options.reference[r * numLabels + j] > options.reference[r * numLabels + best]) best = j;
    }
    return best;
  });
  const reference = classMargins({ logits: options.reference, numLabels, classes });
  const candidate = classMargins({ logits: options.candidate, numLabels, classes });
  return { reference, candidate, shift: candidate.map((c, i) => c - reference[i]) };
}

/** A row close to flipping under some variant. */
export interface FragileRow {
  index: number;
  /** The reference's margin for its own prediction. */
  referenceMargin: number;
  /** The smallest margin (for the reference's class) any candidate gives the row. */
  worstMargin: number;
  /** The candidate with that margin. */
  worstVariant: string;
  /** Candidates that flip the row. */
  flippedBy: string[];
}

/**
 * The `top` rows (default 10) nearest to flipping — smallest worst-case margin over all
 * candidates, flipped rows first (their margin is negative).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fragileRows } from "./flips.ts";
 * const rows = fragileRows({
 *   reference: [2, 0, 0, 1, 0, 3], candidates: { int8: [1.9, 0, 0, -0.2, 0, 2.5] }, numLabels: 2,
 * });
 * assert.deepEqual(rows.map((r) => r.index), [1, 0, 2]);
 * assert.deepEqual(rows[0].flippedBy, ["int8"]);
 * ```
 */
export function fragileRows(
  options: {
    reference: ArrayLike<number>;
    candidates: Record<string, ArrayLike<number>>;
    numLabels: number;
    top?: number;
  },
): FragileRow[] {
  const shifts = Object.entries(options.candidates).map(([name, logits]) =>
    [
      name,
      marginShift({
        reference: options.reference,
        candidate: logits,
        numLabels: options.numLabels,
      }),
    ] as const
  );
  if (shifts.length === 0) return [];
  const rows = shifts[0][1].reference.length;
  const all: FragileRow[] = Array.from({ length: rows }, (_, index) => {
    let worst = shifts[0];
    for (const s of shifts) if (s[1].candidate[index] < worst[1].candidate[index]) worst = s;
    return {
      index,
      referenceMargin: worst[1].reference[index],
      worstMargin: worst[1].candidate[index],
      worstVariant: worst[0],
      flippedBy: shifts.filter(([, s]) => s.candidate[index] < 0).map(([name]) => name),
    };
  });
  return all.sort((a, b) => a.worstMargin - b.worstMargin || a.index - b.index)
    .slice(0, options.top ?? 10);
}

function sameLength(arrays: Record<string, ArrayLike<number>>): void {
  const lengths = Object.entries(arrays).map(([name, a]) => `${name} ${a.length}`);
  if (new Set(Object.values(arrays).map((a) => a.length)).size > 1) {
    throw new FlipsError(`rows differ (${lengths.join(", ")}): compare runs over the same rows.`);
  }
}
