import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../fs/atomic.ts";
import type { DemoReport } from "./demo_report.ts";
import { reportHtml, type ReportHtmlOptions } from "./report_page.ts";

/**
 * Writes `report.json` and `report.html` (one self-contained page: see `reportHtml`) into `dir`,
 * each atomically. Returns the two paths.
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
  options: { dir: string } & ReportHtmlOptions,
): Promise<{ json: string; html: string }> {
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const json = join(dir, "report.json");
  const html = join(dir, "report.html");
  await writeFileAtomic(json, JSON.stringify(report.toJSON(), null, 2) + "\n");
  await writeFileAtomic(html, reportHtml(report, options));
  return { json, html };
}
