import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "./html.ts";

/** One plotly trace (bar, scatter, histogram, …) in plotly.js's JSON schema. */
export type PlotlyTrace = Record<string, unknown>;

/** Version of plotly.js the kit's HTML output loads (matches the import map). */
export const PLOTLY_VERSION = "3.7.0";

/**
 * A plotly chart. In a notebook it shows as `application/vnd.plotly.v1+json` (rendered by
 * JupyterLab and VS Code natively) with an HTML fallback that loads plotly.js; `toHtmlDiv` embeds
 * it in the kit's report pages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure } from "./figure.ts";
 * import { JUPYTER_DISPLAY } from "./html.ts";
 * const fig = new Figure([{ type: "bar", x: ["fp32"], y: [0.68] }], { title: { text: "Accuracy" } });
 * const bundle = fig[JUPYTER_DISPLAY]();
 * assert.ok("application/vnd.plotly.v1+json" in bundle);
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

  /** A `<div>` plus the script that draws it; the page must load plotly.js first. */
  toHtmlDiv(id = `plot-${crypto.randomUUID()}`): string {
    const spec = JSON.stringify(this.toJSON()).replace(/</g, "\\u003c");
    return `<div id="${escapeHtml(id)}" class="plot"></div>\n<script>Plotly.newPlot(${
      JSON.stringify(id)
    }, ${spec}.data, ${spec}.layout, {responsive: true});</script>`;
  }

  /** A self-contained HTML snippet that loads plotly.js from its CDN (notebook fallback). */
  toHtml(): string {
    return `<script src="https://cdn.plot.ly/plotly-${PLOTLY_VERSION}.min.js"></script>\n${this.toHtmlDiv()}`;
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const title = (this.layout.title as { text?: string } | undefined)?.text ?? "plotly figure";
    return {
      "application/vnd.plotly.v1+json": this.toJSON(),
      "text/html": this.toHtml(),
      "text/plain": `<${title}: ${this.data.length} trace(s)>`,
    };
  }
}
