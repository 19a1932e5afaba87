import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** Version of plotly.js the kit's HTML output embeds (matches the import map). */
export const PLOTLY_VERSION = "3.7.0";

/** The event an embedded plotly.js dispatches on `window` once `window.Plotly` is defined. */
export const PLOTLY_READY_EVENT = "workshop-plotly-ready";

const SESSION = Symbol.for("workshop.display.plotlyEmbedded");

let source: string | undefined;

/**
 * The path of `plotly.min.js` in the npm package `plotly.js-dist-min` the kit depends on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyLibraryPath } from "./plotly_library.ts";
 * assert.match(plotlyLibraryPath(), /plotly\.min\.js$/);
 * ```
 */
export function plotlyLibraryPath(): string {
  return createRequire(import.meta.url).resolve("plotly.js-dist-min");
}

/**
 * A `<script>` element holding all of plotly.js (read once from the npm package, about 4.8 MB),
 * which then dispatches {@link PLOTLY_READY_EVENT}: the page needs no network to draw charts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyScriptTag } from "./plotly_library.ts";
 * const tag = plotlyScriptTag();
 * assert.ok(tag.startsWith("<script>") && tag.length > 1_000_000);
 * assert.ok(!tag.slice(8, -9).includes("</script"));
 * ```
 */
export function plotlyScriptTag(): string {
  // "</script" inside a script element would end it; plotly's build has none, escape any anyway.
  source ??= readFileSync(plotlyLibraryPath(), "utf8").replace(/<\/(script)/gi, "<\\/$1");
  return `<script>\n${source}\n;window.dispatchEvent(new Event(${
    JSON.stringify(PLOTLY_READY_EVENT)
  }));\n</script>`;
}

/**
 * True the first time it is called in this process (a kernel session), false afterwards: the
 * first figure a notebook displays carries plotly.js, later ones use the page's `window.Plotly`.
 * The flag lives on `globalThis`, so two copies of this module share it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { claimPlotlyEmbedding, resetPlotlyEmbedding } from "./plotly_library.ts";
 * resetPlotlyEmbedding();
 * assert.equal(claimPlotlyEmbedding(), true);
 * assert.equal(claimPlotlyEmbedding(), false);
 * ```
 */
export function claimPlotlyEmbedding(): boolean {
  const state = globalThis as { [SESSION]?: boolean };
  if (state[SESSION]) return false;
  state[SESSION] = true;
  return true;
}

/**
 * Makes the next displayed figure carry plotly.js again — for a notebook whose first chart's
 * output was cleared or re-run, so the saved notebook holds the library in one output again.
 */
export function resetPlotlyEmbedding(): void {
  delete (globalThis as { [SESSION]?: boolean })[SESSION];
}
