/**
 * The atlas's figures and tables: pure functions of an {@link AtlasSummary}, so notebooks and
 * report pages draw the same thing.
 *
 * @module
 */

import { Figure, Table } from "../display/mod.ts";
import type { AtlasSummary } from "./error_atlas.ts";

/** Options of {@link atlasDepthFigure}. */
export interface AtlasDepthFigureOptions {
  /** A second atlas (after a re-run) drawn over the first. */
  after?: AtlasSummary;
}

/**
 * Local and propagated SQNR (dB, higher is better) of every tensor, along the depth of the
 * network: where the local line dips, a layer adds error; where the propagated line falls, the
 * error has piled up. With `after`, the propagated SQNR of both atlases.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atlasDepthFigure } from "./figures.ts";
 * const entry = { label: "fc", tensor: "h", opType: "Add", position: 3, local: 30, propagated: 28, weight: 40 };
 * const fig = atlasDepthFigure({ variant: "int8", rows: 8, outputSqnr: 28, entries: [entry] });
 * assert.deepEqual(fig.data.map((t) => t.name), ["int8: local", "int8: propagated", "weight"]);
 * ```
 */
export function atlasDepthFigure(
  summary: AtlasSummary,
  options: AtlasDepthFigureOptions = {},
): Figure {
  const x = summary.entries.map((_, i) => i);
  const text = summary.entries.map((e) => e.label);
  const line = (
    s: AtlasSummary,
    key: "local" | "propagated" | "weight",
    name: string,
    dash?: string,
  ) => ({
    type: "scatter",
    mode: key === "weight" ? "markers" : "lines+markers",
    x,
    y: s.entries.map((e) => e[key]),
    text,
    name,
    hovertemplate: "%{text}<br>%{y:.1f} dB<extra>" + name + "</extra>",
    ...(dash ? { line: { dash } } : {}),
  });
  const traces = options.after
    ? [
      line(summary, "propagated", `${summary.variant}: propagated`),
      line(options.after, "propagated", `${options.after.variant}: propagated`, "dot"),
    ]
    : [
      line(summary, "local", `${summary.variant}: local`),
      line(summary, "propagated", `${summary.variant}: propagated`),
      ...(summary.entries.some((e) => e.weight !== null)
        ? [line(summary, "weight", "weight")]
        : []),
    ];
  return new Figure(traces, {
    title: {
      text: `Error atlas of ${summary.variant} (SQNR, higher is better; ${summary.rows} rows)`,
    },
    xaxis: { title: { text: "depth (tensor, in graph order)" } },
    yaxis: { title: { text: "SQNR (dB)" } },
    height: 380,
  });
}

/** Options of {@link atlasTable}. */
export interface AtlasTableOptions {
  /** Rows shown (default all). */
  top?: number;
}

/**
 * The atlas ranked worst first (lowest local SQNR; exact tensors last).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { atlasTable } from "./figures.ts";
 * const e = (label: string, local: number | null) => ({ label, tensor: label, opType: "Add", position: 0, local, propagated: local, weight: null });
 * const t = atlasTable({ variant: "int8", rows: 8, outputSqnr: 20, entries: [e("a", 30), e("b", null), e("c", 12)] });
 * assert.deepEqual(t.rows.map((r) => r.layer), ["c", "a", "b"]);
 * ```
 */
export function atlasTable(summary: AtlasSummary, options: AtlasTableOptions = {}): Table {
  const ranked = [...summary.entries].sort((a, b) =>
    (a.local ?? Infinity) - (b.local ?? Infinity) || a.position - b.position
  );
  const rows = ranked.slice(0, options.top ?? ranked.length).map((e, i) => ({
    rank: i + 1,
    layer: e.label,
    block: e.layer,
    op: e.opType,
    "local dB": e.local ?? "exact",
    "propagated dB": e.propagated ?? "exact",
    "weight dB": e.weight ?? undefined,
  }));
  const output = summary.outputSqnr === null ? "exact" : `${summary.outputSqnr.toFixed(1)} dB`;
  const skipped = summary.skipped?.length
    ? `; ${summary.skipped.length} of other shape not compared`
    : "";
  return new Table(rows, {
    title: `${summary.variant}: layers ranked by their own error (output SQNR ${output}${skipped})`,
    digits: 1,
  });
}
