/**
 * The atlas's section of the report page.
 *
 * @module
 */

import { escapeHtml } from "../display/mod.ts";
import type { ReportSection } from "../report/mod.ts";
import type { AtlasSummary } from "./error_atlas.ts";
import { atlasDepthFigure, atlasTable } from "./figures.ts";

/** `report.extra.atlas`: an atlas's summary, and the re-run without its worst layers if made. */
export interface AtlasReportData extends AtlasSummary {
  rerun?: { excluded: string[]; outputBefore: number | null; outputAfter: number | null };
}

const db = (v: number | null) => v === null ? "exact" : `${v.toFixed(1)} dB`;

/**
 * "Where is the error?": the depth figure and the ranked table of `report.extra.atlas`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ATLAS_SECTION } from "./report_section.ts";
 * const entry = { label: "fc", tensor: "h", opType: "Add", position: 0, local: 30, propagated: 28, weight: null };
 * const atlas = { variant: "int8", rows: 8, outputSqnr: 28, entries: [entry] };
 * // deno-lint-ignore no-explicit-any
 * assert.match(ATLAS_SECTION.render({ extra: { atlas } } as any)!, /fc/);
 * ```
 */
export const ATLAS_SECTION: ReportSection = {
  id: "atlas",
  title: "Where is the error?",
  render: (report) => {
    const atlas = report.extra.atlas as AtlasReportData | undefined;
    if (!atlas?.entries?.length) return undefined;
    const rerun = atlas.rerun
      ? `<p>Leaving the ${atlas.rerun.excluded.length} worst layers in FP32 ` +
        `(${escapeHtml(atlas.rerun.excluded.join(", "))}) takes the output's SQNR from ` +
        `${db(atlas.rerun.outputBefore)} to ${db(atlas.rerun.outputAfter)}.</p>`
      : "";
    return [
      `<p>SQNR = 10·log10(Σx² / Σ(x − x̂)²) of each layer's output against FP32, on ` +
      `${atlas.rows} rows: <em>local</em> when that layer alone is compressed (fed FP32 inputs), ` +
      `<em>propagated</em> in the whole ${escapeHtml(atlas.variant)} model.</p>`,
      atlasDepthFigure(atlas).toHtmlDiv("atlas-plot"),
      rerun,
      atlasTable(atlas, { top: 15 }).toHtml(),
    ].join("\n");
  },
};
