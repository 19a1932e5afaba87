/**
 * Reproducing a run from its `report.json`: the inputs are hashed again, the task is run again
 * from the manifest's resolved configuration (into a temporary folder), and every figure is
 * compared then and now with its tolerance — accuracy, F1, agreement and predictions identical
 * (same machine, same seeds), latency within noise (±50% by default: the workshop's machines are
 * shared), input hashes identical. Tasks: `run`, `demo`, `quantize` and `prune` (pruning's
 * fine-tuning is deterministic run to run on one machine with the same engine threads — measured
 * bit-identical weights with OpenBLAS — so its figures are compared exactly too).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { Table } from "../../display/mod.ts";
import { type RunManifest, sha256File } from "../../report/mod.ts";
import { runDemo } from "../demo.ts";
import { pruneFromConfig, type PruneReport, type PruneRunConfig } from "../prune_workshop_model.ts";
import type { QuantizeReportJson, QuantizeRunConfig } from "../quantize_report.ts";
import { quantizeFromConfig } from "../quantize_workshop_model.ts";
import type { ExperimentConfig } from "./config.ts";
import { type ExperimentReport, runExperiment } from "./run.ts";

/** One figure then and now. */
export interface Comparison {
  figure: string;
  then: string | number | undefined;
  now: string | number | undefined;
  /** `"identical"` or `"±50%"`. */
  tolerance: string;
  ok: boolean;
}

/** A report that cannot be reproduced (no manifest, unknown task); the message says why. */
export class ReproduceError extends Error {
  override name = "ReproduceError";
}

/** Re-runs a report's task into `outDir` and returns the new report's JSON. */
export type Rerun = (report: Record<string, unknown>, outDir: string) => Promise<unknown>;

/** Options of {@link reproduceReport}. */
export interface ReproduceOptions {
  /** How to run the task again (default: by the manifest's task: `run`, `demo`). */
  rerun?: Rerun;
  /** Relative latency tolerance (default 0.5). */
  latencyTolerance?: number;
}

/** Compares two values exactly. */
export function same(figure: string, then: unknown, now: unknown): Comparison {
  const show = (v: unknown) => v === undefined ? undefined : typeof v === "number" ? v : String(v);
  return { figure, then: show(then), now: show(now), tolerance: "identical", ok: then === now };
}

/** Compares two positive numbers within a relative tolerance (missing on both sides is fine). */
export function within(figure: string, then: unknown, now: unknown, relative: number): Comparison {
  const a = then as number | undefined;
  const b = now as number | undefined;
  const ok = (a === undefined && b === undefined) ||
    (typeof a === "number" && typeof b === "number" && Math.abs(b - a) <= relative * Math.abs(a));
  return { figure, then: a, now: b, tolerance: `±${Math.round(relative * 100)}%`, ok };
}

/**
 * The SHA-256 of each input of `manifest` then and now (`"missing"` when the file is gone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runManifest } from "../../report/mod.ts";
 * import { compareInputs } from "./reproduce.ts";
 * const path = await Deno.makeTempFile();
 * const manifest = await runManifest({ task: "x", config: {}, inputs: [path] });
 * assert.ok((await compareInputs(manifest)).every((c) => c.ok));
 * await Deno.writeTextFile(path, "changed");
 * assert.ok((await compareInputs(manifest)).every((c) => !c.ok));
 * ```
 */
export async function compareInputs(manifest: RunManifest): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const [path, then] of Object.entries(manifest.inputs)) {
    let now: string;
    try {
      now = await sha256File(path);
    } catch {
      now = "missing";
    }
    out.push(same(`sha256 ${path}`, then, now));
  }
  return out;
}

/** Figures of a run's result compared when the earlier report has them, by label. */
const RESULT_FIGURES = [
  ["best agreement", "agreement"],
  ["best max |logit error|", "maxAbsLogitError"],
  ["best mean |logit error|", "meanAbsLogitError"],
  ["best size (bytes)", "sizeBytes"],
] as const;

/**
 * The figures of two run reports compared, for any technique: the technique, FP32 accuracy,
 * whether the criterion was met, the result's accuracy, F1, agreement with FP32, logit errors,
 * size, predictions and the technique's own figures ({@link detailFigures}: sparsity, training
 * updates and loss, fusion matches, …) identical, latency within `latencyTolerance`; for
 * quantization also the trials, the best trial and its fallbacks. A figure an older report lacks
 * is not compared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareRunReports, type ExperimentReport } from "./mod.ts";
 * const result = {
 *   technique: "fusion" as const, met: true, message: "", predictionsSha256: "ab", seconds: 1,
 *   baseline: { accuracy: 0.8, sizeBytes: 100 },
 *   best: { accuracy: 0.8, agreement: 1, maxAbsLogitError: 1e-6, sizeBytes: 90 },
 * };
 * const report = { task: "run", result, history: [] } as unknown as ExperimentReport;
 * const changed = { ...report, result: { ...result, best: { ...result.best, agreement: 0.9 } } };
 * const rows = compareRunReports(report, changed);
 * assert.deepEqual(rows.filter((r) => !r.ok).map((r) => r.figure), ["best agreement"]);
 * ```
 */
export function compareRunReports(
  then: ExperimentReport,
  now: ExperimentReport,
  latencyTolerance = 0.5,
): Comparison[] {
  const a = then.result;
  const b = now.result;
  const rows = [
    same("technique", a.technique ?? "quantization", b.technique ?? "quantization"),
    same("baseline accuracy", a.baseline.accuracy, b.baseline.accuracy),
    same("met", String(a.met), String(b.met)),
  ];
  if (a.trials !== undefined) {
    rows.push(
      same("trials", a.trials, b.trials),
      same("best trial", a.best.index, b.best.index),
      same("best fallback", a.best.fallback?.join(","), b.best.fallback?.join(",")),
    );
  }
  rows.push(
    same("best accuracy", a.best.accuracy, b.best.accuracy),
    same("best F1", a.best.f1, b.best.f1),
  );
  for (const [figure, key] of RESULT_FIGURES) {
    if (a.best[key] !== undefined) rows.push(same(figure, a.best[key], b.best[key]));
  }
  rows.push(same("predictions sha256", a.predictionsSha256, b.predictionsSha256));
  const technique = a.technique ?? "quantization";
  const nowDetails = new Map(detailFigures(b.details ?? {}));
  for (const [key, value] of detailFigures(a.details ?? {})) {
    rows.push(same(`${technique} ${key}`, value, nowDetails.get(key)));
  }
  rows.push(within("best latency (ms)", a.best.latencyMs, b.best.latencyMs, latencyTolerance));
  return rows;
}

/**
 * The technique's own figures in a report's `details` (sparsity, fusion matches, training
 * updates and final loss, …) as `[path, value]`, arrays as JSON; times (`seconds`) are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detailFigures } from "./reproduce.ts";
 * assert.deepEqual(
 *   detailFigures({ sparsity: 0.5, train: { updates: 24, seconds: 9.1 }, targets: [{ p: 1 }] }),
 *   [["sparsity", 0.5], ["train.updates", 24], ["targets", '[{"p":1}]']],
 * );
 * ```
 */
export function detailFigures(
  details: Record<string, unknown>,
  prefix = "",
): [string, string | number | boolean][] {
  const out: [string, string | number | boolean][] = [];
  for (const [key, value] of Object.entries(details)) {
    if (key === "seconds" || value === undefined || value === null) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out.push([path, JSON.stringify(value)]);
    else if (typeof value === "object") {
      out.push(...detailFigures(value as Record<string, unknown>, path));
    } else out.push([path, value as string | number | boolean]);
  }
  return out;
}

/** The figures of two demo reports compared, per variant. */
export function compareDemoReports(
  then: { results: Record<string, unknown>[] },
  now: { results: Record<string, unknown>[] },
  latencyTolerance = 0.5,
): Comparison[] {
  const out: Comparison[] = [];
  for (const a of then.results) {
    const b = now.results.find((r) => r.name === a.name) ?? {};
    const lat = (r: Record<string, unknown>) => (r.latencyMs as { b1?: number } | undefined)?.b1;
    out.push(
      same(`${a.name} accuracy`, a.accuracy, b.accuracy),
      same(`${a.name} F1`, a.f1, b.f1),
      same(`${a.name} agreement`, a.agreement, b.agreement),
      within(`${a.name} latency b1 (ms)`, lat(a), lat(b), latencyTolerance),
    );
  }
  return out;
}

/** Variants as {@link compareDemoReports} reads them. */
function asResults(variants: readonly object[]): { results: Record<string, unknown>[] } {
  return { results: variants as Record<string, unknown>[] };
}

/** The figures of two quantize reports compared: each variant, the INT8 file, the tuner. */
export function compareQuantizeReports(
  then: QuantizeReportJson,
  now: QuantizeReportJson,
  latencyTolerance = 0.5,
): Comparison[] {
  const tuner = (r: QuantizeReportJson) =>
    r.tuner as { met?: boolean; history?: unknown[] } | undefined;
  return [
    ...compareDemoReports(asResults(then.results), asResults(now.results), latencyTolerance),
    ...Object.entries(then.predictionsSha256).map(([name, hash]) =>
      same(`${name} predictions sha256`, hash, now.predictionsSha256?.[name])
    ),
    same("INT8 model sha256", then.quantize.modelSha256, now.quantize?.modelSha256),
    ...(tuner(then)
      ? [
        same("tuner met", String(tuner(then)?.met), String(tuner(now)?.met)),
        same("tuner trials", tuner(then)?.history?.length, tuner(now)?.history?.length),
      ]
      : []),
  ];
}

/** The figures of two prune reports compared: each variant, sparsity, updates, the model file. */
export function comparePruneReports(
  then: PruneReport,
  now: PruneReport,
  latencyTolerance = 0.5,
): Comparison[] {
  return [
    ...compareDemoReports(asResults(then.variants), asResults(now.variants), latencyTolerance),
    ...then.variants.map((v) =>
      same(
        `${v.name} predictions sha256`,
        v.predictionsSha256,
        now.variants.find((w) => w.name === v.name)?.predictionsSha256,
      )
    ),
    same("overall sparsity", then.sparsity.overall, now.sparsity.overall),
    same("train updates", then.train.updates, now.train.updates),
    same("pruned model sha256", then.modelSha256, now.modelSha256),
    // Fine-tuning is bit-identical run to run with the same engine threads (not across counts).
    same("training threads", then.manifest?.threads.train, now.manifest?.threads.train),
  ];
}

/** The figures of two reports of `task` compared. */
function compareReports(
  task: string,
  then: unknown,
  now: unknown,
  latencyTolerance?: number,
): Comparison[] {
  // deno-lint-ignore no-explicit-any
  const [a, b] = [then, now] as [any, any];
  if (task === "demo") return compareDemoReports(a, b, latencyTolerance);
  if (task === "quantize") return compareQuantizeReports(a, b, latencyTolerance);
  if (task === "prune") return comparePruneReports(a, b, latencyTolerance);
  return compareRunReports(a, b, latencyTolerance);
}

/** Runs the task of a report again (by its manifest's task). */
const defaultRerun: Rerun = async (report, outDir) => {
  const manifest = report.manifest as RunManifest;
  if (manifest.task === "run") {
    return (await runExperiment(manifest.config as unknown as ExperimentConfig, {
      outDir,
      page: false,
    }))
      .report;
  }
  if (manifest.task === "demo") {
    const c = manifest.config as { modelId?: string; revision?: string; quick?: boolean };
    const { paths } = await runDemo({
      modelId: c.modelId,
      revision: c.revision,
      quick: c.quick,
      outDir,
    });
    return JSON.parse(await readFile(paths.json, "utf8"));
  }
  if (manifest.task === "quantize") {
    const config = manifest.config as unknown as QuantizeRunConfig;
    for (const url of config.imports ?? []) await import(url);
    return (await quantizeFromConfig(config, { outDir })).reportJson;
  }
  if (manifest.task === "prune") {
    const config = manifest.config as unknown as PruneRunConfig;
    return (await pruneFromConfig(config, { outDir })).report;
  }
  throw new ReproduceError(
    `report task "${manifest.task}" cannot be re-run; deno task reproduce knows run, demo, ` +
      "quantize and prune.",
  );
};

/**
 * Re-runs the report at `path` and compares inputs and figures then and now.
 *
 * @example
 * ```ts ignore
 * const { rows, ok } = await reproduceReport("out/run/report.json");
 * ```
 */
export async function reproduceReport(
  path: string,
  options: ReproduceOptions = {},
): Promise<{ rows: Comparison[]; ok: boolean; table: Table }> {
  const report = JSON.parse(await readFile(path, "utf8"));
  const manifest = (report.manifest ?? report.extra?.manifest) as RunManifest | undefined;
  if (!manifest?.inputs || !manifest.task) {
    throw new ReproduceError(
      `${path} has no manifest: write it with a kit that records one (deno task run, demo, ` +
        "quantize, prune).",
    );
  }
  const rows = await compareInputs(manifest);
  const outDir = await Deno.makeTempDir({ prefix: "reproduce-" });
  try {
    const again = await (options.rerun ?? defaultRerun)({ ...report, manifest }, outDir);
    rows.push(...compareReports(manifest.task, report, again, options.latencyTolerance));
  } finally {
    await Deno.remove(outDir, { recursive: true }).catch(() => {});
  }
  const ok = rows.every((r) => r.ok);
  const table = new Table(
    rows.map((r) => ({
      figure: r.figure,
      then: r.then ?? "—",
      now: r.now ?? "—",
      tolerance: r.tolerance,
      "": r.ok ? "ok" : "DIFFERS",
    })),
    { title: `${path}: ${ok ? "reproduced" : "differs"}` },
  );
  return { rows, ok, table };
}
