/**
 * A streaming histogram of a tensor's values for calibration: fixed memory (one count per bin)
 * however many batches it sees, any batch shape (variable sequence lengths included). Bins cover
 * `[-limit, limit]` evenly; when a batch has a value beyond the limit, the limit doubles and
 * neighbouring bins merge pairwise — exact, no re-binning error — so the histogram never needs
 * the data again. ONNX Runtime's calibrator instead keeps every batch's outputs (hundreds of GB
 * on BERT, onnxruntime#10503) and re-bins by interpolation.
 *
 * @module
 */

import { QuantParamsError } from "./params.ts";

/** The state of a {@link StreamingHistogram}, plain data (JSON-friendly but the counts). */
export interface HistogramSnapshot {
  /** Bins cover `[-limit, limit]` in `counts.length` equal steps (0 before any non-zero value). */
  limit: number;
  counts: Float64Array;
  /** Smallest and largest value seen. */
  min: number;
  max: number;
  /** Values seen. */
  count: number;
}

/**
 * The default number of bins: fine enough that the entropy method, whose threshold spans at
 * least `numQuantizedBins` (128) bins, can clip outliers 30× beyond the bulk of the values.
 */
export const DEFAULT_NUM_BINS = 8192;

/**
 * A histogram that grows its range as data arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamingHistogram } from "./histogram.ts";
 * const h = new StreamingHistogram({ numBins: 8 });
 * h.add(new Float32Array([-0.5, 0.25, 0.5])); // limit 0.5625 (0.5 plus headroom)
 * h.add(new Float32Array([2])); // the limit doubles twice, to 2.25, merging bins pairwise
 * const s = h.snapshot();
 * assert.equal(s.limit, 2.25);
 * assert.deepEqual([...s.counts], [0, 0, 0, 1, 2, 0, 0, 1]);
 * assert.deepEqual([s.min, s.max, s.count], [-0.5, 2, 4]);
 * ```
 */
export class StreamingHistogram {
  readonly numBins: number;
  #counts: Float64Array;
  #limit = 0;
  #min = Infinity;
  #max = -Infinity;
  #count = 0;
  #zeros = 0;

  constructor(options: { numBins?: number } = {}) {
    const numBins = options.numBins ?? DEFAULT_NUM_BINS;
    if (!Number.isInteger(numBins) || numBins < 4 || numBins % 4 !== 0) {
      throw new QuantParamsError(
        `StreamingHistogram: numBins ${numBins} must be a multiple of 4 (and at least 4), e.g. 2048.`,
      );
    }
    this.numBins = numBins;
    this.#counts = new Float64Array(numBins);
  }

  /** Adds values (any shape, flattened). Throws {@link QuantParamsError} on NaN. */
  add(data: ArrayLike<number>): void {
    const n = data.length;
    if (n === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo !== lo || hi !== hi || !(lo <= hi)) {
      throw new QuantParamsError(
        "StreamingHistogram: the data contains NaN; check the model inputs that produced it.",
      );
    }
    if (lo < this.#min) this.#min = lo;
    if (hi > this.#max) this.#max = hi;
    this.#count += n;
    const absMax = Math.max(-lo, hi);
    if (absMax === 0) {
      if (this.#limit === 0) this.#zeros += n;
      else this.#counts[this.numBins / 2] += n;
      return;
    }
    if (!Number.isFinite(absMax)) {
      throw new QuantParamsError(
        "StreamingHistogram: the data contains ±Infinity, which no quantization range can hold; " +
          "check the model for overflow.",
      );
    }
    if (this.#limit === 0) {
      // A little headroom so the largest value falls inside the last bin, not on its edge.
      this.#limit = absMax * (1 + 1 / this.numBins);
      this.#counts[this.numBins / 2] += this.#zeros;
      this.#zeros = 0;
    }
    while (absMax > this.#limit) this.#grow();
    this.#bin(data);
  }

  /** A copy of the current state. */
  snapshot(): HistogramSnapshot {
    const counts = this.#counts.slice();
    if (this.#zeros > 0) counts[this.numBins / 2] += this.#zeros;
    return {
      limit: this.#limit,
      counts,
      min: this.#count ? this.#min : 0,
      max: this.#count ? this.#max : 0,
      count: this.#count,
    };
  }

  #bin(data: ArrayLike<number>): void {
    const counts = this.#counts;
    const limit = this.#limit;
    const last = this.numBins - 1;
    const scale = this.numBins / (2 * limit);
    for (let i = 0; i < data.length; i++) {
      let b = Math.floor((data[i] + limit) * scale);
      if (b > last) b = last;
      else if (b < 0) b = 0;
      counts[b]++;
    }
  }

  /** Doubles the limit: old bins 2k and 2k+1 become new bin numBins/4 + k. */
  #grow(): void {
    const old = this.#counts;
    const next = new Float64Array(this.numBins);
    const offset = this.numBins / 4;
    for (let i = 0; i < old.length; i++) next[offset + (i >> 1)] += old[i];
    this.#counts = next;
    this.#limit *= 2;
  }
}

/**
 * The histogram of `|x|`: `counts.length / 2` bins over `[0, limit]`, folding the negative half
 * onto the positive one (exact, as bins are symmetric around 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldAbsolute } from "./histogram.ts";
 * const abs = foldAbsolute({ limit: 2, counts: new Float64Array([1, 2, 3, 4]), min: -2, max: 2, count: 10 });
 * assert.deepEqual([...abs], [5, 5]);
 * ```
 */
export function foldAbsolute(h: HistogramSnapshot): Float64Array {
  const half = h.counts.length / 2;
  const abs = new Float64Array(half);
  for (let j = 0; j < half; j++) abs[j] = h.counts[half + j] + h.counts[half - 1 - j];
  return abs;
}
