/**
 * Calibration methods: the quantization range of an activation from its streamed histogram.
 * MinMax keeps every value; Percentile clips the rarest tails; Entropy picks the clipping
 * threshold whose 8-bit version of the distribution loses the least information (the KL
 * divergence method of TensorRT and ONNX Runtime).
 *
 * @module
 */

import { foldAbsolute, type HistogramSnapshot } from "./histogram.ts";
import { type MinMax, QuantParamsError } from "./params.ts";

/** How a range is chosen from the data seen. */
export type CalibrationMethod = "minmax" | "percentile" | "entropy";

/** Options of {@link rangeFromHistogram}. */
export interface RangeMethodOptions {
  /** Default `"minmax"`. */
  method?: CalibrationMethod;
  /** Percentile method: the share of values kept, in percent (default 99.999). */
  percentile?: number;
  /** Entropy method: quantization levels of the candidate distributions (default 128). */
  numQuantizedBins?: number;
  /** A range symmetric around 0 (default false: each side clipped on its own). */
  symmetric?: boolean;
}

/** Default of {@link RangeMethodOptions.percentile}, as ONNX Runtime. */
export const DEFAULT_PERCENTILE = 99.999;
/** Default of {@link RangeMethodOptions.numQuantizedBins}, as ONNX Runtime and TensorRT. */
export const DEFAULT_QUANTIZED_BINS = 128;

/**
 * The range of the data behind a histogram for a method. The result never reaches beyond the
 * values seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamingHistogram } from "./histogram.ts";
 * import { rangeFromHistogram } from "./range_methods.ts";
 * const h = new StreamingHistogram();
 * const data = Float32Array.from({ length: 10000 }, (_, i) => (i % 100) / 100); // uniform [0, 1)
 * data[0] = 40; // one outlier
 * h.add(data);
 * assert.equal(rangeFromHistogram(h.snapshot(), { method: "minmax" }).max, 40);
 * const p = rangeFromHistogram(h.snapshot(), { method: "percentile", percentile: 99.9 });
 * assert.ok(p.max > 0.95 && p.max < 1.1, `percentile max ${p.max}`);
 * ```
 */
export function rangeFromHistogram(h: HistogramSnapshot, options: RangeMethodOptions = {}): MinMax {
  const method = options.method ?? "minmax";
  const symmetric = options.symmetric ?? false;
  if (h.count === 0) return { min: 0, max: 0 };
  switch (method) {
    case "minmax": {
      if (!symmetric) return { min: h.min, max: h.max };
      const t = Math.max(-h.min, h.max);
      return { min: -t, max: t };
    }
    case "percentile":
      return percentileRange(h, options.percentile ?? DEFAULT_PERCENTILE, symmetric);
    case "entropy": {
      const t = entropyThreshold(h, options.numQuantizedBins ?? DEFAULT_QUANTIZED_BINS);
      return clip(h, t, symmetric);
    }
    default:
      throw new QuantParamsError(
        `Calibration method "${method}" is unknown; use "minmax", "percentile" or "entropy".`,
      );
  }
}

function percentileRange(h: HistogramSnapshot, percentile: number, symmetric: boolean): MinMax {
  if (!(percentile > 50 && percentile <= 100)) {
    throw new QuantParamsError(
      `percentile ${percentile} must be in (50, 100], e.g. 99.999 (the share of values kept).`,
    );
  }
  const q = percentile / 100;
  if (symmetric) {
    const abs = foldAbsolute(h);
    return clip(h, cumulativeQuantile(abs, h.limit / abs.length, 0, h.count, q), true);
  }
  const width = (2 * h.limit) / h.counts.length;
  const lo = cumulativeQuantile(h.counts, width, -h.limit, h.count, 1 - q);
  const hi = cumulativeQuantile(h.counts, width, -h.limit, h.count, q);
  return { min: Math.max(h.min, lo), max: Math.min(h.max, hi) };
}

/** The value below which a share `q` of the counts lies, interpolating inside the bin. */
function cumulativeQuantile(
  counts: Float64Array,
  width: number,
  start: number,
  total: number,
  q: number,
): number {
  const target = q * total;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > 0 && cum + c >= target) {
      const inside = Math.min(1, Math.max(0, (target - cum) / c));
      return start + (i + inside) * width;
    }
    cum += c;
  }
  return start + counts.length * width;
}

function clip(h: HistogramSnapshot, t: number, symmetric: boolean): MinMax {
  if (symmetric) {
    const s = Math.min(t, Math.max(-h.min, h.max));
    return { min: -s, max: s };
  }
  return { min: Math.max(h.min, -t), max: Math.min(h.max, t) };
}

/**
 * The clipping threshold of `|x|` minimizing the KL divergence between the clipped distribution
 * (outliers folded into its last bin) and its `numQuantizedBins`-level quantization. Candidates
 * span at least `numQuantizedBins` bins of the folded histogram (below that the quantization is
 * lossless and the divergence meaningless), so the histogram must be fine enough; at most ~1024
 * candidates are tried, evenly spaced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamingHistogram } from "./histogram.ts";
 * import { entropyThreshold } from "./range_methods.ts";
 * const h = new StreamingHistogram();
 * const data = Float32Array.from({ length: 20000 }, (_, i) => Math.sin(i) * Math.cos(i * 0.37));
 * data[0] = 20;
 * h.add(data);
 * const t = entropyThreshold(h.snapshot(), 128);
 * assert.ok(t > 0.5 && t < 1.1, `threshold ${t} ignores the outlier`);
 * ```
 */
export function entropyThreshold(h: HistogramSnapshot, numQuantizedBins: number): number {
  if (!Number.isInteger(numQuantizedBins) || numQuantizedBins < 2) {
    throw new QuantParamsError(
      `numQuantizedBins ${numQuantizedBins} must be an integer ≥ 2, e.g. 128.`,
    );
  }
  const abs = foldAbsolute(h);
  const width = h.limit / abs.length;
  let last = abs.length;
  while (last > 0 && abs[last - 1] === 0) last--;
  if (last <= numQuantizedBins) return last * width;
  const suffix = new Float64Array(abs.length + 1);
  for (let i = abs.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + abs[i];
  let best = last;
  let bestKl = Infinity;
  const p = new Float64Array(last);
  const q = new Float64Array(last);
  const stride = Math.max(1, Math.floor((last - numQuantizedBins) / 1024));
  for (let i = numQuantizedBins; i <= last; i += stride) {
    const kl = clippedKl(abs, i, suffix[i], numQuantizedBins, p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best * width;
}

/** KL(P‖Q) for threshold bin `i`: P = abs[0, i) with outliers in its last bin, Q = P quantized. */
function clippedKl(
  abs: Float64Array,
  i: number,
  outliers: number,
  levels: number,
  p: Float64Array,
  q: Float64Array,
): number {
  let pTotal = 0;
  for (let k = 0; k < i; k++) {
    p[k] = abs[k];
    pTotal += abs[k];
  }
  p[i - 1] += outliers;
  pTotal += outliers;
  let qTotal = 0;
  for (let j = 0; j < levels; j++) {
    const start = Math.floor((j * i) / levels);
    const end = Math.floor(((j + 1) * i) / levels);
    let sum = 0;
    let nonZero = 0;
    for (let k = start; k < end; k++) {
      sum += abs[k];
      if (abs[k] > 0) nonZero++;
    }
    const share = nonZero > 0 ? sum / nonZero : 0;
    for (let k = start; k < end; k++) q[k] = abs[k] > 0 ? share : 0;
    qTotal += sum;
  }
  if (pTotal === 0 || qTotal === 0) return Infinity;
  let kl = 0;
  const floor = 1e-12;
  for (let k = 0; k < i; k++) {
    if (p[k] === 0) continue;
    const pk = p[k] / pTotal;
    const qk = Math.max(q[k] / qTotal, floor);
    kl += pk * Math.log(pk / qk);
  }
  return kl;
}
