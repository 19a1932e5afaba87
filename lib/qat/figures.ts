/**
 * Tables and charts of the QAT notebook: fake quantization of one real weight row with its
 * straight-through gradient, the live training curves, and the FP32 / PTQ / QAT comparison.
 *
 * @module
 */
import { Figure, type PlotlyTrace, Table } from "../display/mod.ts";
import { LiveTrainingChart, type LiveTrainingChartOptions } from "../distill/mod.ts";
import type { WeightTensor } from "../model/mod.ts";
import type { MinMax, QuantParams } from "../quant/mod.ts";
import { initTf, tf } from "../train/mod.ts";
import { fakeQuantize, requireTf, weightQuantParams } from "./fake_quant.ts";
import type { QatQuantizer } from "./quantizer.ts";
import type { VariantScore } from "./workflow.ts";

/** One output channel (row) of a Linear weight, fake-quantized as QAT does. */
export interface WeightRowQuantization {
  /** Weight name and row. */
  name: string;
  row: number;
  /** The row's float values. */
  values: Float32Array;
  /** The row's fake-quantized values. */
  quantized: Float32Array;
  /** The row's parameters (per tensor: one scale, zero point 0). */
  params: QuantParams;
  /** max |w − fakeQuant(w)| (at most half a scale). */
  maxError: number;
  /** Distinct int8 levels the row uses. */
  levels: number;
}

/** A weight has the wrong shape for a row to be picked; the message names it. */
export class WeightRowError extends Error {
  override name = "WeightRowError";
}

/**
 * Fake-quantizes one row of a `[out, in]` Linear weight with the per-channel int8 parameters QAT
 * computes for the whole weight (starts tfjs if needed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weightRowQuantization } from "./figures.ts";
 * const w = { shape: [2, 3], data: new Float32Array([0.5, -1.27, 0.3, 2.54, 0, 1]) };
 * const r = await weightRowQuantization("w", w, 0);
 * assert.equal(r.params.scale[0], Math.fround(0.01));
 * assert.ok(r.maxError <= r.params.scale[0] / 2);
 * assert.equal(r.levels, 3);
 * ```
 */
export async function weightRowQuantization(
  name: string,
  weight: WeightTensor,
  row: number,
): Promise<WeightRowQuantization> {
  const [out, inF] = weight.shape;
  if (weight.shape.length !== 2 || !(row >= 0 && row < out)) {
    throw new WeightRowError(
      `${name} has shape [${weight.shape}]; pick a row in [0, ${out}) of a 2-D Linear weight.`,
    );
  }
  await initTf();
  const values = weight.data.slice(row * inF, (row + 1) * inF);
  const tensor = tf.tensor2d(weight.data, [out, inF]);
  const all = weightQuantParams(tensor);
  tensor.dispose();
  const params: QuantParams = {
    scale: Float32Array.of(all.scale[row]),
    zeroPoint: Int32Array.of(0),
    type: "int8",
  };
  const quantized = tf.tidy(() => fakeQuantize(tf.tensor1d(values), params))
    .dataSync() as Float32Array;
  let maxError = 0;
  for (let i = 0; i < values.length; i++) {
    maxError = Math.max(maxError, Math.abs(values[i] - quantized[i]));
  }
  return { name, row, values, quantized, params, maxError, levels: new Set(quantized).size };
}

/** `fakeQuantize` and its straight-through gradient on a grid, computed by tfjs. */
export interface FakeQuantCurve {
  x: number[];
  y: number[];
  gradient: number[];
}

/**
 * The fake-quantization staircase and its gradient (tfjs autodiff through the STE) on `points`
 * values from `from` to `to`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { computeQuantParams } from "../quant/mod.ts";
 * import { fakeQuantCurve } from "./figures.ts";
 * await initTf();
 * const p = computeQuantParams({ min: -1, max: 1, type: "int8", symmetric: true });
 * const c = fakeQuantCurve(p, { from: -2, to: 2, points: 5 });
 * assert.deepEqual(c.gradient, [0, 1, 1, 1, 0]);
 * ```
 */
export function fakeQuantCurve(
  params: QuantParams,
  grid: { from: number; to: number; points: number },
): FakeQuantCurve {
  requireTf("fakeQuantCurve");
  const x = Array.from(
    { length: grid.points },
    (_, i) => grid.from + ((grid.to - grid.from) * i) / (grid.points - 1),
  );
  const [y, gradient] = tf.tidy(() => {
    const input = tf.tensor1d(x);
    const g = tf.grad((t) => tf.sum(fakeQuantize(t, params)))(input);
    return [fakeQuantize(input, params), g];
  });
  const out = { x, y: Array.from(y.dataSync()), gradient: Array.from(gradient.dataSync()) };
  tf.dispose([y, gradient]);
  return out;
}

/**
 * Three panels on a real weight row: the whole int8 range (a grid beyond it shows saturation),
 * a zoom on a few steps around 0 with the row's actual values on the staircase, and the
 * straight-through gradient (1 inside the range, 0 where values saturate).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fakeQuantFigure, weightRowQuantization } from "./figures.ts";
 * const w = { shape: [1, 4], data: new Float32Array([0.5, -1.27, 0.3, 0.01]) };
 * const fig = fakeQuantFigure(await weightRowQuantization("w", w, 0));
 * assert.equal(fig.data.length, 5);
 * ```
 */
export function fakeQuantFigure(
  row: WeightRowQuantization,
  options: { zoomSteps?: number; title?: string } = {},
): Figure {
  const s = row.params.scale[0];
  const edge = 127 * s;
  const full = fakeQuantCurve(row.params, { from: -1.5 * edge, to: 1.5 * edge, points: 1201 });
  const zoomSteps = options.zoomSteps ?? 4;
  const zoom = fakeQuantCurve(row.params, {
    from: -zoomSteps * s,
    to: zoomSteps * s,
    points: 801,
  });
  const near = [...row.values.keys()].filter((i) => Math.abs(row.values[i]) <= zoomSteps * s);
  const data: PlotlyTrace[] = [
    line(full.x, full.y, "fakeQuant(x), full range", "x", "y", "#1f77b4"),
    line(full.x, full.x, "x (float)", "x", "y", "#bbbbbb", "dot"),
    line(zoom.x, zoom.y, "fakeQuant(x), zoom", "x2", "y2", "#1f77b4"),
    {
      type: "scatter",
      mode: "markers",
      name: `${row.name}[${row.row}] values`,
      x: near.map((i) => row.values[i]),
      y: near.map((i) => row.quantized[i]),
      xaxis: "x2",
      yaxis: "y2",
      marker: { size: 5, color: "#ff7f0e" },
    },
    line(full.x, full.gradient, "∂fakeQuant/∂x (STE)", "x3", "y3", "#2ca02c"),
  ];
  return new Figure(data, {
    title: {
      text: options.title ??
        `Fake quantization of ${row.name} row ${row.row} (int8, scale ${s.toExponential(3)})`,
    },
    grid: { rows: 1, columns: 3, pattern: "independent" },
    xaxis: { title: { text: "x" } },
    yaxis: { title: { text: "fakeQuant(x)" } },
    xaxis2: { title: { text: `x (±${zoomSteps} steps)` } },
    yaxis2: { title: { text: "fakeQuant(x)" } },
    xaxis3: { title: { text: "x" } },
    yaxis3: { title: { text: "gradient" }, range: [-0.1, 1.1] },
    legend: { orientation: "h", y: -0.25 },
    shapes: [-edge, edge].map((x0) => ({
      type: "line",
      xref: "x3",
      yref: "y3",
      x0,
      x1: x0,
      y0: -0.1,
      y1: 1.1,
      line: { dash: "dot", color: "#999999" },
    })),
  });
}

function line(
  x: number[],
  y: number[],
  name: string,
  xaxis: string,
  yaxis: string,
  color: string,
  dash?: string,
): PlotlyTrace {
  return {
    type: "scatter",
    mode: "lines",
    name,
    x,
    y,
    xaxis,
    yaxis,
    line: { color, width: 2, ...(dash ? { dash } : {}) },
  };
}

/**
 * The comparison of FP32, PTQ and QAT on MRPC validation: accuracy, F1, agreement and logit
 * error against FP32, size of the ONNX model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qatComparisonTable } from "./figures.ts";
 * const base = { runtime: "onnxruntime" as const, f1: 0.8, agreement: 1, maxAbsLogitError: 0, meanAbsLogitError: 0, logits: new Float32Array() };
 * const t = qatComparisonTable([{ ...base, name: "fp32", accuracy: 0.7, sizeBytes: 4e6 }]);
 * assert.equal(t.rows[0]["size MB"], 4);
 * ```
 */
export function qatComparisonTable(
  scores: readonly VariantScore[],
  options: { title?: string } = {},
): Table {
  return new Table(
    scores.map((s) => ({
      variant: s.name,
      runtime: s.runtime,
      accuracy: s.accuracy,
      F1: s.f1,
      "agreement with FP32": s.agreement,
      "max |Δlogit| vs FP32": s.maxAbsLogitError,
      "mean |Δlogit| vs FP32": s.meanAbsLogitError,
      "quantization |Δlogit|": s.quantizationError,
      "size MB": s.sizeBytes === undefined ? undefined : s.sizeBytes / 1e6,
    })),
    { title: options.title ?? "PTQ vs QAT on MRPC validation", digits: 4 },
  );
}

/**
 * Accuracy, F1 and agreement with FP32 per variant (left), and the mean logit error against FP32
 * (right).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qatComparisonFigure } from "./figures.ts";
 * const base = { runtime: "onnxruntime" as const, f1: 0.8, agreement: 1, maxAbsLogitError: 0, meanAbsLogitError: 0.01, logits: new Float32Array() };
 * const fig = qatComparisonFigure([{ ...base, name: "ptq", accuracy: 0.7 }]);
 * assert.equal(fig.data.length, 4);
 * ```
 */
export function qatComparisonFigure(
  scores: readonly VariantScore[],
  options: { title?: string } = {},
): Figure {
  const names = scores.map((s) => s.name);
  const bar = (metric: string, y: number[], color: string): PlotlyTrace => ({
    type: "bar",
    name: metric,
    x: names,
    y,
    marker: { color },
    text: y.map((v) => v.toFixed(3)),
    textposition: "auto",
  });
  return new Figure([
    bar("accuracy", scores.map((s) => s.accuracy), "#1f77b4"),
    bar("F1", scores.map((s) => s.f1), "#ff7f0e"),
    bar("agreement with FP32", scores.map((s) => s.agreement), "#2ca02c"),
    {
      type: "bar",
      name: "mean |Δlogit| vs FP32",
      x: names,
      y: scores.map((s) => s.meanAbsLogitError),
      xaxis: "x2",
      yaxis: "y2",
      marker: { color: "#9467bd" },
    },
  ], {
    title: { text: options.title ?? "FP32, PTQ and QAT on MRPC validation" },
    grid: { rows: 1, columns: 2, pattern: "independent" },
    barmode: "group",
    yaxis: { title: { text: "score" }, range: [0, 1.05] },
    yaxis2: { title: { text: "mean |Δlogit| vs FP32" } },
    legend: { orientation: "h", y: -0.25 },
  });
}

/** Options of {@link observerTable}. */
export interface ObserverTableOptions {
  /** Sites to show (default: all). */
  sites?: RegExp;
  /** Ranges before training (a warm-up), shown beside the current ones. */
  initial?: ReadonlyMap<string, MinMax>;
  title?: string;
}

/**
 * The observers of a quantizer: each site's range, scale and zero point now (and its range
 * before training when `initial` is given), and how many batches it has folded in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QatQuantizer } from "./quantizer.ts";
 * import { observerTable } from "./figures.ts";
 * const q = new QatQuantizer({ ranges: { classifier: { min: -1, max: 3 } } });
 * const t = observerTable(q);
 * assert.equal(t.rows[0]["zero point"], 64);
 * ```
 */
export function observerTable(quantizer: QatQuantizer, options: ObserverTableOptions = {}): Table {
  const rows = [...quantizer.ranges()]
    .filter(([site]) => options.sites?.test(site) ?? true)
    .map(([site, range]) => {
      const params = quantizer.activationParams(site)!;
      const before = options.initial?.get(site);
      return {
        site,
        ...(options.initial ? { "min before": before?.min, "max before": before?.max } : {}),
        min: range.min,
        max: range.max,
        type: params.type,
        scale: params.scale[0],
        "zero point": params.zeroPoint[0],
        updates: quantizer.observer(site)!.updates,
      };
    });
  return new Table(rows, { title: options.title ?? "Activation observers", digits: 5 });
}

/**
 * The training curves of a QAT run, drawn live in Deno's Jupyter kernel: pass `chart.onStep`
 * and `chart.onEval` to `qatFineTune` (the chart of `lib/distill`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qatTrainingChart } from "./figures.ts";
 * assert.equal(qatTrainingChart().live, false); // not in a notebook
 * ```
 */
export function qatTrainingChart(options: LiveTrainingChartOptions = {}): LiveTrainingChart {
  return new LiveTrainingChart({
    name: "QAT",
    title: "Quantization-aware training: loss and validation accuracy (fake-quantized model)",
    ...options,
  });
}
