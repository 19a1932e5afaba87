/**
 * Charts of fusion results: node counts pass by pass, and the benchmark against ORT's levels.
 *
 * @module
 */

import { Figure } from "../display/mod.ts";
import type { FusionBenchRow } from "./bench.ts";
import type { FusionReport } from "./fusion_report.ts";

/**
 * Nodes left after each pass, one line per model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FusionReport } from "./fusion_report.ts";
 * import { nodeCountFigure } from "./figures.ts";
 * const report = new FusionReport([
 *   { pass: "gelu", description: "", matches: [], nodesBefore: 10, nodesAfter: 6, ms: 1, notes: [] },
 * ]);
 * const fig = nodeCountFigure({ tiny: report });
 * assert.deepEqual(fig.data[0].y, [10, 6]);
 * ```
 */
export function nodeCountFigure(reports: Record<string, FusionReport>): Figure {
  const data = Object.entries(reports).map(([name, report]) => ({
    type: "scatter",
    mode: "lines+markers",
    name,
    x: ["(export)", ...report.passes.map((p) => p.pass)],
    y: [report.nodesBefore, ...report.passes.map((p) => p.nodesAfter)],
  }));
  return new Figure(data, {
    title: { text: "Graph nodes after each fusion pass" },
    xaxis: { title: { text: "pass" }, tickangle: -35 },
    yaxis: { title: { text: "nodes" }, rangemode: "tozero" },
    height: 420,
  });
}

/**
 * Median latency of each variant, one panel per batch size (p90 as error bar).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusionLatencyFigure } from "./figures.ts";
 * const row = { model: "m", seq: 128, p90Ms: 2, minMs: 1, runs: 3, sizeBytes: 1, nodes: 5, fileNodes: 5 };
 * const fig = fusionLatencyFigure([
 *   { ...row, variant: "ort-all", batch: 1, medianMs: 1 },
 *   { ...row, variant: "ort-all", batch: 8, medianMs: 6 },
 * ]);
 * assert.equal(fig.data.length, 2);
 * ```
 */
export function fusionLatencyFigure(rows: readonly FusionBenchRow[]): Figure {
  const batches = [...new Set(rows.map((r) => r.batch))];
  const data = batches.map((batch, i) => {
    const mine = rows.filter((r) => r.batch === batch);
    return {
      type: "bar",
      name: `batch ${batch} × ${mine[0].seq}`,
      x: mine.map((r) => r.variant),
      y: mine.map((r) => r.medianMs),
      error_y: {
        type: "data",
        symmetric: false,
        array: mine.map((r) => r.p90Ms - r.medianMs),
        arrayminus: mine.map(() => 0),
      },
      xaxis: i === 0 ? "x" : `x${i + 1}`,
      yaxis: i === 0 ? "y" : `y${i + 1}`,
    };
  });
  const layout: Record<string, unknown> = {
    title: { text: `Latency: ONNX Runtime levels vs the kit's fusions (${rows[0]?.model ?? ""})` },
    grid: { rows: 1, columns: batches.length, pattern: "independent" },
    height: 420,
    showlegend: true,
  };
  batches.forEach((_, i) => {
    layout[i === 0 ? "yaxis" : `yaxis${i + 1}`] = {
      title: { text: "median ms" },
      rangemode: "tozero",
    };
    layout[i === 0 ? "xaxis" : `xaxis${i + 1}`] = { tickangle: -35 };
  });
  return new Figure(data, layout);
}

/**
 * Nodes of the graph ORT runs, per variant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusionNodesFigure } from "./figures.ts";
 * const row = { model: "m", seq: 128, p90Ms: 2, minMs: 1, runs: 3, sizeBytes: 1, fileNodes: 9, batch: 1, medianMs: 1 };
 * const fig = fusionNodesFigure([{ ...row, variant: "ort-all", nodes: 5 }]);
 * assert.deepEqual(fig.data[0].y, [5]);
 * ```
 */
export function fusionNodesFigure(rows: readonly FusionBenchRow[]): Figure {
  const first = new Map<string, FusionBenchRow>();
  for (const r of rows) if (!first.has(r.variant)) first.set(r.variant, r);
  const list = [...first.values()];
  return new Figure([{
    type: "bar",
    name: "nodes ORT runs",
    x: list.map((r) => r.variant),
    y: list.map((r) => r.nodes),
    text: list.map((r) => String(r.nodes)),
    textposition: "auto",
  }], {
    title: { text: "Nodes in the graph ONNX Runtime executes" },
    yaxis: { title: { text: "nodes" }, rangemode: "tozero" },
    xaxis: { tickangle: -35 },
    height: 380,
  });
}
