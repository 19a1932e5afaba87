/**
 * Figures of calibration: one activation's histogram with the ranges each method would choose.
 *
 * @module
 */

import { Figure } from "../display/mod.ts";
import type { CalibrationResult } from "./calibrate.ts";
import { CalibrationError } from "./calibration_feeds.ts";
import { type CalibrationMethod, rangeFromHistogram } from "./range_methods.ts";

/** Options of {@link calibrationHistogramFigure}. */
export interface CalibrationFigureOptions {
  /** The activation to plot (default: the one with the widest min–max range). */
  tensor?: string;
  /** Ranges to draw (default all three methods). */
  methods?: readonly CalibrationMethod[];
  /** Bars to draw (adjacent bins are merged; default 160). */
  bars?: number;
}

const COLORS: Record<CalibrationMethod, string> = {
  minmax: "#d62728",
  percentile: "#2ca02c",
  entropy: "#9467bd",
};

/**
 * A plotly bar chart of one activation's calibration histogram (log counts) with a vertical
 * line pair per method at the range it picks, computed from the stored histogram with the
 * result's percentile and bin settings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamingHistogram } from "./histogram.ts";
 * import { calibrationHistogramFigure } from "./figures.ts";
 * const h = new StreamingHistogram();
 * h.add(Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i)));
 * const s = h.snapshot();
 * const figure = calibrationHistogramFigure({
 *   method: "minmax", percentile: 99.999, numQuantizedBins: 128, symmetric: false,
 *   ranges: { x: { min: s.min, max: s.max } },
 *   statistics: { x: { min: s.min, max: s.max, count: s.count, histogram: s } },
 *   samples: 1, batches: 1, seconds: 0,
 * });
 * assert.equal(figure.data.length, 4); // the bars and one line per method
 * ```
 */
export function calibrationHistogramFigure(
  result: CalibrationResult,
  options: CalibrationFigureOptions = {},
): Figure {
  const tensor = options.tensor ?? widest(result);
  const stats = result.statistics[tensor];
  if (!stats) {
    throw new CalibrationError(
      `"${tensor}" was not calibrated; pick one of ${
        Object.keys(result.statistics).slice(0, 5).join(", ")
      }…`,
    );
  }
  const h = stats.histogram;
  const width = (2 * h.limit) / h.counts.length;
  const first = Math.max(0, Math.floor((h.min + h.limit) / width));
  const last = Math.min(h.counts.length - 1, Math.floor((h.max + h.limit) / width));
  const span = last - first + 1;
  const group = Math.max(1, Math.ceil(span / (options.bars ?? 160)));
  const x: number[] = [];
  const y: number[] = [];
  for (let i = first; i <= last; i += group) {
    let sum = 0;
    for (let k = i; k < Math.min(i + group, last + 1); k++) sum += h.counts[k];
    x.push(-h.limit + (i + Math.min(group, last + 1 - i) / 2) * width);
    y.push(sum);
  }
  const data: Record<string, unknown>[] = [{
    type: "bar",
    x,
    y,
    name: "values",
    marker: { color: "#1f77b4" },
    width: group * width,
  }];
  const top = Math.max(...y, 1);
  for (const method of options.methods ?? ["minmax", "percentile", "entropy"] as const) {
    const r = rangeFromHistogram(h, {
      method,
      percentile: result.percentile,
      numQuantizedBins: result.numQuantizedBins,
      symmetric: result.symmetric,
    });
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${method} [${r.min.toPrecision(3)}, ${r.max.toPrecision(3)}]`,
      x: [r.min, r.min, null, r.max, r.max],
      y: [0.5, top, null, 0.5, top],
      line: { color: COLORS[method], dash: "dash" },
    });
  }
  return new Figure(data, {
    title: { text: `Calibration of ${tensor} (${stats.count.toLocaleString("en")} values)` },
    xaxis: { title: { text: "value" } },
    yaxis: { title: { text: "count" }, type: "log" },
    bargap: 0,
  });
}

function widest(result: CalibrationResult): string {
  let best = "";
  let span = -1;
  for (const [name, s] of Object.entries(result.statistics)) {
    if (s.max - s.min > span) {
      span = s.max - s.min;
      best = name;
    }
  }
  if (!best) throw new CalibrationError("the calibration result has no tensors to plot.");
  return best;
}
