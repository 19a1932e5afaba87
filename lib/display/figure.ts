import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "./html.ts";
import { PLOTLY_READY_EVENT, plotlyLoaderTag, plotlyScriptTag } from "./plotly_library.ts";

export { PLOTLY_VERSION } from "./plotly_library.ts";

/** One plotly trace (bar, scatter, histogram, …) in plotly.js's JSON schema. */
export type PlotlyTrace = Record<string, unknown>;

/**
 * A plotly chart. In a notebook it shows as `application/vnd.plotly.v1+json` (rendered by
 * JupyterLab and VS Code when they have plotly's renderer) with an HTML fallback that draws it
 * with plotly.js from the kit's npm package — no network: the first figure displayed in a kernel
 * session embeds the library, later ones wait for it (`window.Plotly`), so the classic Notebook,
 * JupyterLab, VS Code and `jupyter nbconvert --to html` all draw every chart offline, whichever
 * output the page runs first. `toHtmlDiv` embeds the chart in the kit's report pages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure } from "./figure.ts";
 * import { JUPYTER_DISPLAY } from "./html.ts";
 * const fig = new Figure([{ type: "bar", x: ["fp32"], y: [0.68] }], { title: { text: "Accuracy" } });
 * const bundle = fig[JUPYTER_DISPLAY]();
 * assert.ok("application/vnd.plotly.v1+json" in bundle);
 * assert.doesNotMatch(String(bundle["text/html"]), /<script src=/);
 * ```
 */
export class Figure {
  constructor(
    readonly data: PlotlyTrace[],
    readonly layout: Record<string, unknown> = {},
  ) {}

  /** `{data, layout}` as plotly.js takes it. */
  toJSON(): { data: PlotlyTrace[]; layout: Record<string, unknown> } {
    return { data: this.data, layout: this.layout };
  }

  /**
   * A `<div>` plus the script that draws it as soon as the page has plotly.js (at once, or when
   * a later script on the page loads it); without it, the div says how to get the chart.
   */
  toHtmlDiv(id = `plot-${crypto.randomUUID()}`): string {
    const spec = JSON.stringify(this.toJSON()).replace(/</g, "\\u003c");
    const ready = JSON.stringify(PLOTLY_READY_EVENT);
    return `<div id="${escapeHtml(id)}" class="plot"></div>
<script>(function () {
  var id = ${JSON.stringify(id)}, spec = ${spec};
  function draw() {
    var div = document.getElementById(id);
    if (div) div.textContent = "";
    window.Plotly.newPlot(id, spec.data, spec.layout, { responsive: true });
  }
  if (window.Plotly) { draw(); return; }
  window.addEventListener(${ready}, draw, { once: true });
  window.addEventListener("load", function () {
    var div = document.getElementById(id);
    if (!window.Plotly && !window.__workshopPlotlyLoading && div) {
      div.textContent = "This chart needs plotly.js, which every chart of the kit carries: " +
        "re-run its cell (or trust the notebook) to see it.";
    }
  });
})();</script>`;
  }

  /** A self-contained HTML snippet: plotly.js embedded, then the chart (no network). */
  toHtml(): string {
    return `${plotlyScriptTag()}\n${this.toHtmlDiv()}`;
  }

  /**
   * The HTML of a notebook output: plotly.js's compressed loader (see `plotlyLoaderTag`), then the
   * chart, so every output draws on its own, offline.
   */
  toNotebookHtml(): string {
    return `${plotlyLoaderTag()}\n${this.toHtmlDiv()}`;
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const title = (this.layout.title as { text?: string } | undefined)?.text ?? "plotly figure";
    return {
      "application/vnd.plotly.v1+json": this.toJSON(),
      "text/html": this.toNotebookHtml(),
      "text/plain": `<${title}: ${this.data.length} trace(s)>`,
    };
  }
}
