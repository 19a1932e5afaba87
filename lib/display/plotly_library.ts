import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "fflate";

/** Version of plotly.js the kit's HTML output embeds (matches the import map). */
export const PLOTLY_VERSION = "3.7.0";

/** The event an embedded plotly.js dispatches on `window` once `window.Plotly` is defined. */
export const PLOTLY_READY_EVENT = "workshop-plotly-ready";

let source: string | undefined;
let compressed: string | undefined;

function plotlySource(): string {
  // "</script" inside a script element would end it; plotly's build has none, escape any anyway.
  source ??= readFileSync(plotlyLibraryPath(), "utf8").replace(/<\/(script)/gi, "<\\/$1");
  return source;
}

function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(out);
}

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
  return `<script>\n${plotlySource()}\n;window.dispatchEvent(new Event(${
    JSON.stringify(PLOTLY_READY_EVENT)
  }));\n</script>`;
}

/**
 * A `<script>` that loads plotly.js from a gzip-compressed copy embedded in it (about 1.4 MB of
 * base64 against 4.8 MB plain), decompressed by the browser (`DecompressionStream`), unless the
 * page already has `window.Plotly` or another copy is loading; then dispatches
 * {@link PLOTLY_READY_EVENT}. Every figure output of a notebook carries one, so each chart draws
 * on its own — in JupyterLab, the classic Notebook, VS Code and exported HTML, offline, whatever
 * order the cells ran in and even if another output was cleared or lost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyLoaderTag, plotlyScriptTag } from "./plotly_library.ts";
 * const tag = plotlyLoaderTag();
 * assert.ok(tag.startsWith("<script>") && tag.length < plotlyScriptTag().length / 2);
 * assert.match(tag, /DecompressionStream\("gzip"\)/);
 * ```
 */
export function plotlyLoaderTag(): string {
  compressed ??= encodeBase64(gzipSync(new TextEncoder().encode(plotlySource()), { level: 9 }));
  const dispatch = JSON.stringify(
    `\n;window.dispatchEvent(new Event(${JSON.stringify(PLOTLY_READY_EVENT)}));`,
  );
  return `<script>(function () {
  if (window.Plotly || window.__workshopPlotlyLoading) return;
  window.__workshopPlotlyLoading = true;
  var packed = "${compressed}";
  var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (source) {
    var script = document.createElement("script");
    script.textContent = source + ${dispatch};
    document.head.appendChild(script);
  });
})();</script>`;
}
