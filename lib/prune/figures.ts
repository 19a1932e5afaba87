/**
 * Tables and charts of the pruning notebook, pure functions of results: sparsity against accuracy
 * and agreement with the dense model (one curve per criterion or granularity), mask heatmaps
 * (N:M, blocks), a head-importance heatmap (layer × head), measured latency against sparsity
 * (structured against unstructured) and the final comparison table.
 *
 * @module
 */
import { Figure, type PlotlyTrace, Table } from "../display/mod.ts";
import type { DistilBertConfig, WeightMap } from "../model/mod.ts";
import { prunableWeights } from "./layers.ts";
import { PruneOptionsError } from "./errors.ts";
import type { MaskSet } from "./mask.ts";
import { HEAD_PATTERN } from "./patterns/attention_head.ts";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

/** One point of a sparsity curve. */
export interface SparsityPoint {
  /** Curve the point belongs to (a criterion, a pattern). */
  series: string;
  /** Zero fraction reached. */
  sparsity: number;
  accuracy: number;
  /** Agreement with the dense model's predictions. */
  agreement: number;
}

/**
 * Accuracy (left) and agreement with the dense model (right) against sparsity, one curve per
 * series; the dense model's accuracy as a dotted line when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sparsityCurveFigure } from "./figures.ts";
 * const fig = sparsityCurveFigure([
 *   { series: "magnitude", sparsity: 0.5, accuracy: 0.7, agreement: 0.95 },
 *   { series: "magnitude", sparsity: 0.9, accuracy: 0.6, agreement: 0.7 },
 *   { series: "random", sparsity: 0.5, accuracy: 0.65, agreement: 0.8 },
 * ], { dense: 0.72 });
 * assert.equal(fig.data.filter((t) => t.xaxis === "x2").length, 2);
 * assert.deepEqual(fig.data[0].x, [0.5, 0.9]);
 * ```
 */
export function sparsityCurveFigure(
  points: readonly SparsityPoint[],
  options: { title?: string; dense?: number } = {},
): Figure {
  const data = twoPanelSeries(points, (p) => p.accuracy, (p) => p.agreement);
  const xs = points.map((p) => p.sparsity);
  if (options.dense !== undefined && xs.length) {
    data.push({
      type: "scatter",
      mode: "lines",
      name: "dense",
      x: [Math.min(0, ...xs), Math.max(...xs)],
      y: [options.dense, options.dense],
      line: { color: "#444", dash: "dot" },
    });
  }
  return new Figure(data, {
    title: {
      text: options.title ?? "Sparsity against accuracy and agreement with the dense model",
    },
    grid: { rows: 1, columns: 2, pattern: "independent" },
    xaxis: { title: { text: "sparsity" } },
    yaxis: { title: { text: "accuracy" } },
    xaxis2: { title: { text: "sparsity" } },
    yaxis2: { title: { text: "agreement with dense" } },
    legend: { orientation: "h", y: -0.25 },
  });
}

/** A mask to draw. */
export interface MaskView {
  /** Subplot title (e.g. the pattern). */
  title: string;
  /** The weight's `[out, in]` shape. */
  shape: readonly number[];
  /** 0/1, row-major. */
  mask: Uint8Array;
}

/**
 * Heatmaps of the top-left `rows × cols` corner of each mask (kept = dark, pruned = light), side
 * by side: the N:M groups along rows and the 4×1 / 1×4 blocks show at this zoom.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskHeatmapFigure } from "./figures.ts";
 * const fig = maskHeatmapFigure([{ title: "2:4", shape: [2, 4], mask: Uint8Array.of(1, 0, 0, 1, 0, 1, 1, 0) }], { rows: 2, cols: 4 });
 * assert.deepEqual(fig.data[0].z, [[1, 0, 0, 1], [0, 1, 1, 0]]);
 * ```
 */
export function maskHeatmapFigure(
  masks: readonly MaskView[],
  options: { rows?: number; cols?: number; title?: string } = {},
): Figure {
  const data: PlotlyTrace[] = masks.map((m, i) => {
    const [out, inputs] = m.shape;
    const rows = Math.min(options.rows ?? 16, out);
    const cols = Math.min(options.cols ?? 32, inputs);
    const z = Array.from(
      { length: rows },
      (_, r) => Array.from({ length: cols }, (_, c) => m.mask[r * inputs + c]),
    );
    const axis = i === 0 ? "" : String(i + 1);
    return {
      type: "heatmap",
      z,
      zmin: 0,
      zmax: 1,
      colorscale: [[0, "#f0f0f0"], [1, "#1f3b73"]],
      showscale: false,
      xaxis: `x${axis}`,
      yaxis: `y${axis}`,
      name: m.title,
      hovertemplate: `${m.title}<br>row %{y}, column %{x}: %{z}<extra></extra>`,
    };
  });
  const layout: Record<string, unknown> = {
    title: {
      text: options.title ?? "Masks, top-left corner (dark: kept, light: pruned; rows are outputs)",
    },
    grid: { rows: 1, columns: masks.length, pattern: "independent" },
    annotations: masks.map((m, i) => ({
      text: m.title,
      showarrow: false,
      xref: `x${i === 0 ? "" : i + 1} domain`,
      yref: `y${i === 0 ? "" : i + 1} domain`,
      x: 0.5,
      y: 1.08,
    })),
  };
  masks.forEach((_, i) => {
    layout[`yaxis${i === 0 ? "" : i + 1}`] = { autorange: "reversed" };
  });
  return new Figure(data, layout);
}

/**
 * Each attention head's importance by weight magnitude: the L1 norm of its rows of `q/k/v_lin`
 * (weights and biases) and its columns of `out_lin`, `[layer][head]` — the group score the
 * `head` pattern ranks by with the magnitude criterion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { headMagnitudes } from "./figures.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 2, nHeads: 4, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const scores = headMagnitudes(config, randomDistilBertWeights(config, { seed: 1 }));
 * assert.equal(scores.length, 2);
 * assert.equal(scores[0].length, 4);
 * assert.ok(scores[1].every((s) => s > 0));
 * ```
 */
export function headMagnitudes(config: DistilBertConfig, weights: WeightMap): number[][] {
  const units = HEAD_PATTERN.units(config, prunableWeights(config));
  return units.map((unit) => {
    const scores = new Map<string, Float32Array>();
    for (const name of unit.weights.keys()) {
      const w = weights.get(name);
      if (w) scores.set(name, Float32Array.from(w.data, Math.abs));
    }
    return [...unit.groupScores(scores)];
  });
}

/**
 * A layer × head heatmap of head importance (e.g. {@link headMagnitudes}), with the heads a
 * plan removes marked ✕ when `removed` is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headImportanceFigure } from "./figures.ts";
 * const fig = headImportanceFigure([[1, 2], [3, 0.5]], { removed: [[false, false], [false, true]] });
 * assert.deepEqual(fig.data[0].z, [[1, 2], [3, 0.5]]);
 * assert.equal((fig.layout.annotations as unknown[]).length, 1);
 * ```
 */
export function headImportanceFigure(
  scores: readonly (readonly number[])[],
  options: { title?: string; removed?: readonly (readonly boolean[])[] } = {},
): Figure {
  const annotations = (options.removed ?? []).flatMap((row, layer) =>
    row.flatMap((gone, head) =>
      gone ? [{ x: head, y: layer, text: "✕", showarrow: false, font: { color: "#fff" } }] : []
    )
  );
  return new Figure([{
    type: "heatmap",
    z: scores.map((r) => [...r]),
    colorscale: "Viridis",
    colorbar: { title: { text: "importance" } },
    hovertemplate: "layer %{y}, head %{x}: %{z:.4g}<extra></extra>",
  }], {
    title: { text: options.title ?? "Head importance (L1 norm of each head's weights)" },
    xaxis: { title: { text: "head" }, dtick: 1 },
    yaxis: { title: { text: "layer" }, dtick: 1, autorange: "reversed" },
    annotations,
  });
}

/** One measured latency point. */
export interface LatencyPoint {
  /** `structured`, `unstructured`, … */
  series: string;
  /** Share of the prunable weights removed or zeroed. */
  sparsity: number;
  /** Median ms at batch 1 and batch 8 (sequence 128). */
  b1: number;
  b8: number;
}

/**
 * Measured latency against sparsity at batch 1 (left) and 8 (right), one curve per series:
 * structured pruning shrinks the matrices, unstructured only zeroes entries (ONNX Runtime's CPU
 * kernels are dense, so zeros cost as much as any other value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyCurveFigure } from "./figures.ts";
 * const fig = latencyCurveFigure([
 *   { series: "structured", sparsity: 0, b1: 10, b8: 50 },
 *   { series: "structured", sparsity: 0.5, b1: 6, b8: 30 },
 *   { series: "unstructured", sparsity: 0.5, b1: 10, b8: 51 },
 * ]);
 * assert.equal(fig.data.length, 4);
 * assert.deepEqual(fig.data[1].y, [50, 30]);
 * ```
 */
export function latencyCurveFigure(
  points: readonly LatencyPoint[],
  options: { title?: string } = {},
): Figure {
  const data = twoPanelSeries(points, (p) => p.b1, (p) => p.b8);
  return new Figure(data, {
    title: { text: options.title ?? "Measured latency against sparsity (ONNX Runtime, CPU)" },
    grid: { rows: 1, columns: 2, pattern: "independent" },
    xaxis: { title: { text: "sparsity" } },
    yaxis: { title: { text: "ms, batch 1 × 128 tokens" }, rangemode: "tozero" },
    xaxis2: { title: { text: "sparsity" } },
    yaxis2: { title: { text: "ms, batch 8 × 128 tokens" }, rangemode: "tozero" },
    legend: { orientation: "h", y: -0.25 },
  });
}

/** One row of the final comparison. */
export interface PruneComparisonRow {
  name: string;
  accuracy: number;
  f1: number;
  agreement: number;
  maxAbsLogitError?: number;
  /** Median ms at batch 1 and 8 × sequence 128. */
  latencyMs?: { b1: number; b8: number };
  sizeBytes: number;
  /** Zero (or removed) fraction of the prunable weights. */
  sparsity?: number;
}

/**
 * The comparison table: accuracy, F1, agreement with the dense model, latency at batch 1 and 8,
 * size and its ratio to the first row (dense).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneComparisonTable } from "./figures.ts";
 * const t = pruneComparisonTable([
 *   { name: "dense", accuracy: 0.7, f1: 0.8, agreement: 1, sizeBytes: 4e6, latencyMs: { b1: 4, b8: 20 } },
 *   { name: "pruned", accuracy: 0.69, f1: 0.8, agreement: 0.97, sizeBytes: 3e6, latencyMs: { b1: 3, b8: 12 } },
 * ]);
 * assert.equal(t.rows[1]["size × dense"], 0.75);
 * assert.equal(t.rows[1]["b8 speed-up"], 20 / 12);
 * ```
 */
export function pruneComparisonTable(
  rows: readonly PruneComparisonRow[],
  options: { title?: string } = {},
): Table {
  const base = rows[0];
  return new Table(
    rows.map((r) => ({
      variant: r.name,
      sparsity: r.sparsity,
      accuracy: r.accuracy,
      F1: r.f1,
      agreement: r.agreement,
      "max |Δlogit|": r.maxAbsLogitError,
      "b1 ms": r.latencyMs?.b1,
      "b8 ms": r.latencyMs?.b8,
      "b8 speed-up": r.latencyMs && base?.latencyMs
        ? base.latencyMs.b8 / r.latencyMs.b8
        : undefined,
      "size MB": r.sizeBytes / 1e6,
      "size × dense": base ? r.sizeBytes / base.sizeBytes : undefined,
    })),
    { title: options.title ?? "Dense, pruned and pruned + INT8", digits: 4 },
  );
}

/**
 * Per-layer zero fraction of a set of masks as a grouped bar chart, one bar group per layer and
 * one bar per run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layerSparsityFigure } from "./figures.ts";
 * const fig = layerSparsityFigure([{ name: "2:4", byLayer: [{ layer: 0, sparsity: 0.5 }] }]);
 * assert.deepEqual(fig.data[0].y, [0.5]);
 * ```
 */
export function layerSparsityFigure(
  runs: readonly { name: string; byLayer: readonly { layer: number; sparsity: number }[] }[],
  options: { title?: string } = {},
): Figure {
  return new Figure(
    runs.map((r, i) => ({
      type: "bar",
      name: r.name,
      x: r.byLayer.map((l) => `layer ${l.layer}`),
      y: r.byLayer.map((l) => l.sparsity),
      marker: { color: COLORS[i % COLORS.length] },
    })),
    {
      title: { text: options.title ?? "Sparsity per transformer layer" },
      barmode: "group",
      yaxis: { title: { text: "zero fraction" }, range: [0, 1] },
    },
  );
}

/** Masks of one weight for {@link maskHeatmapFigure}, by name; throws when absent. */
export function maskView(masks: MaskSet, name: string, title: string): MaskView {
  const m = masks.get(name);
  if (!m) throw new PruneOptionsError(`no mask of ${name}: pick a weight the targets pruned.`);
  return { title, shape: m.shape, mask: m.mask };
}

/**
 * One line per series against sparsity in each of two side-by-side panels (`left` on x/y,
 * `right` on x2/y2), a series' two lines sharing its colour and legend entry.
 */
function twoPanelSeries<P extends { series: string; sparsity: number }>(
  points: readonly P[],
  left: (p: P) => number,
  right: (p: P) => number,
): PlotlyTrace[] {
  const series = [...new Set(points.map((p) => p.series))];
  return series.flatMap((s, i) => {
    const own = points.filter((p) => p.series === s).sort((a, b) => a.sparsity - b.sparsity);
    const common = {
      type: "scatter",
      mode: "lines+markers",
      name: s,
      legendgroup: s,
      line: { color: COLORS[i % COLORS.length] },
      x: own.map((p) => p.sparsity),
    };
    return [
      { ...common, y: own.map(left) },
      { ...common, y: own.map(right), xaxis: "x2", yaxis: "y2", showlegend: false },
    ];
  });
}
