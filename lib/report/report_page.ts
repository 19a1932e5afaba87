import { escapeHtml } from "../display/html.ts";
import { plotlyScriptTag } from "../display/plotly_library.ts";
import type { DemoReport } from "./demo_report.ts";
import { DEFAULT_REPORT_SECTIONS, type ReportSection } from "./sections.ts";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 80rem; }
nav a { margin-right: 1rem; }
section { margin: 2rem 0; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
td { max-width: 28rem; }
caption { font-weight: 600; text-align: left; padding-bottom: 0.4rem; }
.grid { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.grid > .plot { flex: 1 1 28rem; min-width: 24rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav { display: none; }
  section { break-inside: avoid-page; margin: 1rem 0; }
  table { font-size: 8pt; }
  table, .plot { break-inside: avoid; }
  .plot { width: 100% !important; }
  a { color: inherit; text-decoration: none; }
}`;

/** Options of {@link reportHtml}. */
export interface ReportHtmlOptions {
  /** The sections, in order (default `DEFAULT_REPORT_SECTIONS`). */
  sections?: readonly ReportSection[];
}

/**
 * The report page as one self-contained HTML file: plotly.js embedded (no network, no file beside
 * it), a table of contents, each section that has something to show, and print styles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DemoReport, reportHtml } from "./mod.ts";
 * const report = new DemoReport({ model: "m", dataset: "d" });
 * report.add({ name: "fp32", accuracy: 0.7, f1: 0.8, latencyMs: { b1: 5, b8: 30 }, sizeBytes: 1e6 });
 * const html = reportHtml(report);
 * assert.match(html, /<section id="summary">/);
 * assert.doesNotMatch(html, /<section id="tuner">/);
 * assert.doesNotMatch(html, /<script src=/);
 * ```
 */
export function reportHtml(report: DemoReport, options: ReportHtmlOptions = {}): string {
  const title = `Compression report: ${report.model}`;
  const rendered = (options.sections ?? DEFAULT_REPORT_SECTIONS)
    .map((section) => ({ section, html: section.render(report) }))
    .filter((s): s is { section: ReportSection; html: string } => s.html !== undefined);
  const nav = rendered.map(({ section }) =>
    `<a href="#${escapeHtml(section.id)}">${escapeHtml(section.title)}</a>`
  ).join("");
  const body = rendered.map(({ section, html }) =>
    `<section id="${escapeHtml(section.id)}">\n<h2>${
      escapeHtml(section.title)
    }</h2>\n${html}\n</section>`
  ).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}
</style>
${plotlyScriptTag()}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Dataset: ${escapeHtml(report.dataset)} · written ${escapeHtml(report.createdAt)}</p>
<nav>${nav}</nav>
${body}
</body>
</html>
`;
}
