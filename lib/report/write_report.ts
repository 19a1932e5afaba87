import { createRequire } from "node:module";
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { withAtomicPath, writeFileAtomic } from "../fs/atomic.ts";
import { escapeHtml } from "../display/html.ts";
import type { DemoReport } from "./demo_report.ts";

/**
 * Writes `report.json`, `report.html` (table and plotly chart) and the `plotly.min.js` the page
 * loads into `dir`, each atomically, so the page opens offline. Returns the two paths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync } from "node:fs";
 * import { DemoReport, writeReport } from "./mod.ts";
 * const report = new DemoReport({ model: "m", dataset: "d" });
 * report.add({ name: "fp32", accuracy: 0.7, f1: 0.8, latencyMs: { b1: 5, b8: 30 }, sizeBytes: 1e6 });
 * const { json } = await writeReport(report, { dir: await Deno.makeTempDir() });
 * assert.ok(existsSync(json));
 * ```
 */
export async function writeReport(
  report: DemoReport,
  options: { dir: string },
): Promise<{ json: string; html: string }> {
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const json = join(dir, "report.json");
  const html = join(dir, "report.html");
  await writeFileAtomic(json, JSON.stringify(report.toJSON(), null, 2) + "\n");
  const plotly = createRequire(import.meta.url).resolve("plotly.js-dist-min");
  await withAtomicPath(join(dir, "plotly.min.js"), (tmp) => copyFile(plotly, tmp));
  await writeFileAtomic(html, reportPage(report));
  return { json, html };
}

function reportPage(report: DemoReport): string {
  const title = `Compression report: ${report.model}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<script src="plotly.min.js"></script>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table.results { border-collapse: collapse; margin: 1rem 0; }
table.results th, table.results td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }
table.results th:first-child, table.results td:first-child { text-align: left; }
caption { font-weight: 600; text-align: left; padding-bottom: 0.4rem; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Dataset: ${escapeHtml(report.dataset)} · written ${escapeHtml(report.createdAt)}${
    report.machine
      ? ` · ${escapeHtml(report.machine.cpu)}, ${report.machine.cores} cores, ORT ${
        escapeHtml(report.machine.onnxruntime)
      }`
      : ""
  }</p>
${report.table().toHtml()}
${report.figure().toHtmlDiv("summary")}
</body>
</html>
`;
}
