/**
 * Signal-to-quantization-noise ratio: how far a compressed tensor is from its FP32 original, in
 * decibels, `SQNR = 10 · log10(Σx² / Σ(x − x̂)²)`. Each 6 dB is about one bit: an ideal 8-bit
 * uniform quantizer of a full-scale signal reaches roughly 40–50 dB; 0 dB means the error is as
 * large as the signal.
 *
 * @module
 */

/** SQNR could not be computed; the message names the tensor and the fix. */
export class SqnrError extends Error {
  override name = "SqnrError";
}

/**
 * `10 · log10(Σx² / Σ(x − x̂)²)` of `approx` against `reference`, in dB: `Infinity` when the two
 * are equal, `-Infinity` when the reference is all zeros and the approximation is not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqnr } from "./sqnr.ts";
 * // Σx² = 1 + 4 + 9 + 16 = 30; Σ(x − x̂)² = 0.01 + 0.04 = 0.05; 10·log10(600) = 27.78 dB
 * assert.equal(sqnr([1, 2, 3, 4], [1.1, 2, 2.8, 4]).toFixed(2), "27.78");
 * assert.equal(sqnr([1, 2], [1, 2]), Infinity);
 * ```
 */
export function sqnr(reference: ArrayLike<number>, approx: ArrayLike<number>): number {
  const acc = new SqnrAccumulator();
  acc.add(reference, approx);
  return acc.db;
}

/** Options of {@link SqnrAccumulator.add}. */
export interface SqnrAddOptions {
  /**
   * The largest finite value of the approximation's format (65504 for FP16): a reference value
   * beyond it that the approximation holds as its own extreme of the same sign (saturated, or
   * ±Infinity) is left out and counted in `saturated` — a sentinel such as a masked attention
   * score (float32's lowest value) is kept as "as negative as the format goes", not as an error
   * of 10³⁸. Default: none, every element counts.
   */
  range?: number;
}

/**
 * Sums `Σx²` and `Σ(x − x̂)²` over any number of chunks (batches), so the SQNR of a tensor over a
 * whole data set is exact however it was split.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SqnrAccumulator, sqnr } from "./sqnr.ts";
 * const acc = new SqnrAccumulator();
 * acc.add([1, 2], [1.1, 2]);
 * acc.add([3, 4], [2.8, 4]);
 * assert.equal(acc.db, sqnr([1, 2, 3, 4], [1.1, 2, 2.8, 4]));
 * assert.equal(acc.elements, 4);
 * ```
 */
export class SqnrAccumulator {
  /** `Σx²` so far. */
  signal = 0;
  /** `Σ(x − x̂)²` so far. */
  noise = 0;
  /** Elements seen. */
  elements = 0;
  /** Largest `|x − x̂|` seen. */
  maxAbsError = 0;
  /** Elements left out as saturated (see {@link SqnrAddOptions.range}). */
  saturated = 0;

  /**
   * Adds one chunk; `reference` and `approx` must have the same length.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SqnrAccumulator } from "./sqnr.ts";
   * // A masked attention score: FP32's lowest value, FP16's −65504 (saturated) or BF16's −∞.
   * const acc = new SqnrAccumulator();
   * acc.add([3, -3.4e38, 4], [3, -65504, 4.5], "scores", { range: 65504 });
   * acc.add([-3.4e38], [-Infinity], "scores", { range: 65504 });
   * assert.equal(acc.db, 20); // 25 / 0.25, on the representable values
   * assert.deepEqual([acc.elements, acc.saturated], [2, 2]);
   * ```
   */
  add(
    reference: ArrayLike<number>,
    approx: ArrayLike<number>,
    name = "tensor",
    options: SqnrAddOptions = {},
  ): void {
    if (reference.length !== approx.length) {
      throw new SqnrError(
        `${name}: the reference has ${reference.length} elements and the approximation ` +
          `${approx.length}; compare tensors of the same shape.`,
      );
    }
    const range = options.range ?? Infinity;
    let signal = 0;
    let noise = 0;
    let worst = this.maxAbsError;
    let saturated = 0;
    for (let i = 0; i < reference.length; i++) {
      const x = reference[i];
      const y = approx[i];
      if (Math.abs(x) > range && Math.abs(y) >= range && Math.sign(x) === Math.sign(y)) {
        saturated++;
        continue;
      }
      const e = x - y;
      signal += x * x;
      noise += e * e;
      const a = Math.abs(e);
      if (a > worst) worst = a;
    }
    this.signal += signal;
    this.noise += noise;
    this.elements += reference.length - saturated;
    this.saturated += saturated;
    this.maxAbsError = worst;
  }

  /** The SQNR in dB of everything added (`NaN` before anything was). */
  get db(): number {
    if (this.elements === 0) return NaN;
    if (this.noise === 0) return Infinity;
    return 10 * Math.log10(this.signal / this.noise);
  }
}
