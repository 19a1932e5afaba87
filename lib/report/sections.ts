import { escapeHtml } from "../display/html.ts";
import { Figure } from "../display/figure.ts";
import { Table } from "../display/table.ts";
import { agreementFigure, comparisonTable, fragileTable, marginShiftFigure } from "../stats/mod.ts";
import type { DemoReport } from "./demo_report.ts";
import type { RunManifest } from "./manifest.ts";

/**
 * One section of a report page: an anchor id, a heading and a function that renders its HTML
 * from the report, or returns undefined when the report holds nothing for it (the section is
 * then left out). A new section is one more of these in the list given to `reportHtml`.
 */
export interface ReportSection {
  id: string;
  title: string;
  render(report: DemoReport): string | undefined;
}

/** Results per variant (intervals, speed-up, size) and the summary chart. */
export const SUMMARY_SECTION: ReportSection = {
  id: "summary",
  title: "Results",
  render: (report) =>
    report.results.length === 0
      ? undefined
      : `${report.table().toHtml()}\n${report.figure().toHtmlDiv("summary-plot")}`,
};

/** Paired bootstrap intervals, deltas to FP32, exact McNemar tests, flips per variant. */
export const STATISTICS_SECTION: ReportSection = {
  id: "statistics",
  title: "Is the difference more than noise?",
  render: (report) => {
    const c = report.comparison;
    if (!c) return undefined;
    const pct = Math.round(c.level * 100);
    return `<p>Intervals are ${pct}% percentile-bootstrap intervals over the ${c.rows} pairs ` +
      `(${c.resamples} paired resamples, seed ${c.seed}); Δ is the variant minus ` +
      `${escapeHtml(c.reference)} on the same resampled pairs. McNemar's exact test counts only ` +
      `the pairs exactly one of the two models gets right. A Δ interval that contains 0 is ` +
      `<em>within noise</em>.</p>\n${comparisonTable(c).toHtml()}`;
  },
};

/** `confusion[actual][predicted]` of every variant, side by side. */
export const CONFUSION_SECTION: ReportSection = {
  id: "confusion",
  title: "Confusion matrices",
  render: (report) => {
    const withMatrix = report.results.filter((r) => r.confusion);
    if (withMatrix.length === 0) return undefined;
    return `<div class="grid">${
      withMatrix.map((r) =>
        new Table(
          r.confusion!.map((row, actual) => ({
            "actual \\ predicted": String(actual),
            ...Object.fromEntries(row.map((v, p) => [String(p), v])),
          })),
          { title: r.name },
        ).toHtml()
      ).join("\n")
    }</div>`;
  },
};

/** Which pairs flip, agreement between variants, margin shifts and the most fragile pairs. */
export const FLIPS_SECTION: ReportSection = {
  id: "flips",
  title: "Which pairs changed?",
  render: (report) => {
    const c = report.comparison;
    if (!c) return undefined;
    const flipped = new Table(
      Object.entries(c.candidates).map(([name, v]) => ({
        variant: name,
        flips: v.flipped.length,
        "now right": v.fixed,
        "now wrong": v.broken,
        rows: v.flipped.slice(0, 40).join(", ") + (v.flipped.length > 40 ? ", …" : ""),
      })),
      { title: `Pairs whose prediction differs from ${c.reference}` },
    );
    return [
      flipped.toHtml(),
      `<div class="grid">${agreementFigure(c).toHtmlDiv("agreement-plot")}${
        marginShiftFigure(c).toHtmlDiv("margin-plot")
      }</div>`,
      fragileTable(c).toHtml(),
    ].join("\n");
  },
};

interface TunerJson {
  message?: string;
  threshold?: number;
  baseline?: { accuracy: number };
  history?: {
    index: number;
    phase: string;
    accuracy: number;
    f1?: number;
    latencyMs?: number;
    sizeBytes: number;
    quantizedNodes: number;
    fallbackNodes: string[];
    met: boolean;
  }[];
}

/** The accuracy-driven tuner's trials (from `report.extra.tuner`, a `TuneResult`'s JSON). */
export const TUNER_SECTION: ReportSection = {
  id: "tuner",
  title: "Tuner history",
  render: (report) => {
    const tuner = report.extra.tuner as TunerJson | undefined;
    if (!tuner?.history?.length) return undefined;
    const history = tuner.history;
    const table = new Table(
      history.map((t) => ({
        trial: t.index,
        phase: t.phase,
        accuracy: t.accuracy,
        f1: t.f1,
        "latency ms": t.latencyMs,
        "quantized nodes": t.quantizedNodes,
        "FP32 fallback": t.fallbackNodes.length,
        "size MB": t.sizeBytes / 1e6,
        met: t.met ? "yes" : "no",
      })),
      { title: tuner.message, digits: 4 },
    );
    const x = [-0.5, history.length - 0.5];
    const line = (y: number | undefined, name: string, dash: string) =>
      y === undefined
        ? []
        : [{ type: "scatter", mode: "lines", x, y: [y, y], name, line: { dash } }];
    const figure = new Figure([
      {
        type: "scatter",
        mode: "lines+markers",
        x: history.map((t) => t.index),
        y: history.map((t) => t.accuracy),
        text: history.map((t) => t.phase),
        name: "trial accuracy",
      },
      ...line(tuner.baseline?.accuracy, "FP32", "dot"),
      ...line(tuner.threshold, "threshold", "dash"),
    ], {
      title: { text: "Accuracy of each trial" },
      xaxis: { title: { text: "trial" } },
      yaxis: { title: { text: "accuracy" } },
      height: 340,
    });
    return `${table.toHtml()}\n${figure.toHtmlDiv("tuner-plot")}`;
  },
};

/** The machine and the run: CPU, ISA, versions, the command and its settings. */
export const RUN_SECTION: ReportSection = {
  id: "run",
  title: "Machine and run",
  render: (report) => {
    const rows: Record<string, string>[] = [
      { item: "model", value: report.model },
      { item: "dataset", value: report.dataset },
      { item: "written", value: report.createdAt },
    ];
    const m = report.machine;
    if (m) {
      rows.push(
        { item: "CPU", value: `${m.cpu} (${m.cores} cores, ${m.arch})` },
        { item: "ISA", value: m.isa.join(" ") || "none of interest" },
        { item: "memory", value: `${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB` },
        { item: "OS", value: m.os },
        { item: "Deno", value: m.deno },
        { item: "ONNX Runtime", value: m.onnxruntime },
      );
    }
    for (const [item, value] of Object.entries(report.run ?? {})) {
      if (value !== undefined) rows.push({ item, value: String(value) });
    }
    const manifest = report.extra.manifest as RunManifest | undefined;
    return [
      new Table(rows, { title: "Manifest" }).toHtml(),
      ...(manifest?.inputs ? [runManifestHtml(manifest)] : []),
    ].join("\n");
  },
};

/**
 * A run's manifest as HTML: kit version, versions, threads and seeds; the resolved
 * configuration; the SHA-256 of every input file (what `deno task reproduce` checks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runManifest, runManifestHtml } from "./mod.ts";
 * const html = runManifestHtml(await runManifest({ task: "quantize", config: { approach: "static" }, seeds: { tune: 0 } }));
 * assert.match(html, /&quot;approach&quot;: &quot;static&quot;/);
 * assert.match(html, /tune 0/);
 * ```
 */
export function runManifestHtml(manifest: RunManifest): string {
  const kit = manifest.kit.commit
    ? `${manifest.kit.commit}${manifest.kit.dirty ? " (with uncommitted changes)" : ""}`
    : "not a git checkout";
  const pairs = (o: Record<string, number | undefined>) =>
    Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v}`).join(", ");
  const about = new Table([
    { item: "task", value: manifest.task },
    { item: "kit commit", value: kit },
    {
      item: "versions",
      value: `Deno ${manifest.versions.deno}, ONNX Runtime ${manifest.versions.onnxruntime}, ` +
        `TensorFlow.js ${manifest.versions.tfjs}`,
    },
    { item: "CPU", value: `${manifest.machine.cpu} (${manifest.machine.cores} cores)` },
    { item: "ISA", value: manifest.machine.isa.join(" ") || "none of interest" },
    { item: "threads", value: pairs(manifest.threads) || "defaults (all cores)" },
    { item: "seeds", value: pairs(manifest.seeds) || "none" },
    { item: "written", value: manifest.createdAt },
  ], { title: "Run manifest (deno task reproduce report.json runs it again)" });
  const inputs = new Table(
    Object.entries(manifest.inputs).map(([file, sha256]) => ({ file, sha256 })),
    { title: "Inputs (SHA-256)" },
  );
  return `${about.toHtml()}\n<h3>Resolved configuration</h3>\n<pre>${
    escapeHtml(JSON.stringify(manifest.config, null, 2))
  }</pre>\n${inputs.toHtml()}`;
}

/** The sections of the demo's page, in order. */
export const DEFAULT_REPORT_SECTIONS: readonly ReportSection[] = [
  SUMMARY_SECTION,
  STATISTICS_SECTION,
  CONFUSION_SECTION,
  FLIPS_SECTION,
  TUNER_SECTION,
  RUN_SECTION,
];
