/**
 * The report of `deno task quantize`: the FP32 model and its INT8 variant scored on MRPC
 * validation (accuracy and F1 with intervals, agreement, logit error, McNemar, flips, latency,
 * size), the tuner's history when tuned, the SHA-256 of each variant's predictions and of the
 * INT8 file, and the run's manifest (resolved configuration, seeds, input hashes) — written as
 * `report.json` and the self-contained `report.html`, so `deno task reproduce` can run it again.
 *
 * @module
 */
import { join, relative } from "node:path";
import { machineInfo } from "../bench/mod.ts";
import type { MrpcRow } from "../data/mod.ts";
import {
  DEMO_DATASET,
  evaluateVariant,
  type EvaluationResult,
  type LabelledBatch,
  latencyProfile,
} from "../eval/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { LoadedClassifier } from "../model/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import type { CalibrationMethod, QuantReport, StaticQuantOptions } from "../quant/mod.ts";
import {
  DEFAULT_REPORT_SECTIONS,
  DemoReport,
  type DemoReportJson,
  type RunManifest,
  sha256File,
  writeReport,
} from "../report/mod.ts";
import { compareVariants } from "../stats/mod.ts";
import type { AccuracyCriterion, TuneObjective, TuneResult } from "../tune/mod.ts";
import { predictionsHash } from "./experiment/run_figures.ts";
import { workshopManifest } from "./workshop_manifest.ts";

/** Seed of the bootstrap intervals in the quantize report (the demo's too). */
export const QUANTIZE_BOOTSTRAP_SEED = 0;

/**
 * The resolved configuration of a quantize run, as its manifest records it: every default
 * filled in, so `deno task reproduce` runs exactly this again.
 */
export interface QuantizeRunConfig {
  modelId: string;
  revision?: string;
  approach: "dynamic" | "static";
  /** Static: the range method. */
  method?: CalibrationMethod;
  /** MRPC train pairs calibrated on (static) or used by the tuner's sensitivity (tuned). */
  calibrationSamples?: number;
  quick: boolean;
  /** Modules loaded before the run (`--import`, absolute), loaded again by reproduce. */
  imports?: string[];
  quant: StaticQuantOptions;
  /** The tuner's settings, or false when the default configuration was taken. */
  tune: false | {
    criterion: AccuracyCriterion;
    strategy: string;
    maxTrials: number;
    objective: TuneObjective;
    timeBudgetSeconds: number;
    seed: number;
  };
}

/** What `deno task quantize` writes to `report.json`. */
export interface QuantizeReportJson extends DemoReportJson {
  task: "quantize";
  quantize: {
    approach: "dynamic" | "static";
    format: string;
    counts: QuantReport["counts"];
    byOpType: QuantReport["byOpType"];
    weightBytes: QuantReport["weightBytes"];
    /** SHA-256 of `onnx/model_quantized.onnx`. */
    modelSha256: string;
    seconds: number;
  };
  /** SHA-256 of each variant's predicted labels on the validation split (one byte per row). */
  predictionsSha256: Record<string, string>;
  /** The tuner's result (`TuneResult.toJSON()`), when tuned. */
  tuner?: Record<string, unknown>;
  manifest: RunManifest;
}

/** Options of {@link writeQuantizeReport}. */
export interface QuantizeReportOptions {
  /** The folder being built (the INT8 model is at `dir/onnx/model_quantized.onnx`). */
  dir: string;
  /** Where `dir` is swapped in when complete (the report names paths there). */
  finalDir: string;
  config: QuantizeRunConfig;
  fp32: LoadedClassifier;
  /** MRPC validation: tokenized batches and their rows, in the same order. */
  validation: { batches: readonly LabelledBatch[]; rows?: readonly MrpcRow[] };
  report: QuantReport;
  tuning?: TuneResult;
  /** Seconds the quantization took (before scoring). */
  seconds: number;
  settings?: HubSettings;
  progress?: ProgressOption;
}

/**
 * Scores FP32 and INT8 on the validation batches, compares them (intervals, McNemar, flips) and
 * writes `report.json` and `report.html` into `options.dir`, with the run's manifest.
 *
 * @example
 * ```ts ignore
 * const json = await writeQuantizeReport({ dir: tmp, finalDir: dir, config, fp32, validation, report, seconds });
 * console.log(json.predictionsSha256["int8-static"]);
 * ```
 */
export async function writeQuantizeReport(
  options: QuantizeReportOptions,
): Promise<QuantizeReportJson> {
  const { config, fp32, dir } = options;
  const started = new Date();
  const int8Path = join(dir, "onnx", "model_quantized.onnx");
  const name = `int8-${config.approach}`;
  const common = {
    batches: options.validation.batches,
    vocabSize: fp32.config.vocabSize,
    latency: latencyProfile(config.quick),
    progress: options.progress,
  };
  const reference = await evaluateVariant({ ...common, name: "fp32", path: fp32.path });
  const int8 = await evaluateVariant({
    ...common,
    name,
    path: int8Path,
    reference: reference.evaluation,
  });
  const report = new DemoReport({
    model: config.modelId,
    dataset: DEMO_DATASET,
    machine: await machineInfo(),
  })
    .add(reference.result)
    .add({ ...int8.result, path: join(options.finalDir, relative(dir, int8Path)) });
  report.comparison = compareVariants({
    labels: reference.evaluation.labels,
    numLabels: reference.evaluation.numLabels,
    reference: { name: "fp32", logits: reference.evaluation.logits },
    candidates: [{ name, logits: int8.evaluation.logits }],
    texts: options.validation.rows,
    seed: QUANTIZE_BOOTSTRAP_SEED,
  });
  const seeds = {
    bootstrap: QUANTIZE_BOOTSTRAP_SEED,
    ...(config.tune ? { tune: config.tune.seed } : {}),
  };
  report.run = {
    command: "deno task quantize",
    model: config.modelId,
    revision: fp32.revision,
    approach: config.approach,
    profile: config.quick ? "quick (WORKSHOP_QUICK=1)" : "full",
    tuned: config.tune ? config.tune.strategy : "no",
    "bootstrap seed": QUANTIZE_BOOTSTRAP_SEED,
    "quantize seconds": round(options.seconds),
    "scoring seconds": round((Date.now() - started.getTime()) / 1000),
  };
  const q = options.report;
  const extra: Omit<QuantizeReportJson, keyof DemoReportJson> = {
    task: "quantize",
    quantize: {
      approach: config.approach,
      format: q.format,
      counts: q.counts,
      byOpType: q.byOpType,
      weightBytes: q.weightBytes,
      modelSha256: await sha256File(int8Path),
      seconds: round(options.seconds),
    },
    predictionsSha256: predictionHashes({ fp32: reference.evaluation, [name]: int8.evaluation }),
    ...(options.tuning ? { tuner: options.tuning.toJSON() } : {}),
    manifest: await workshopManifest({
      task: "quantize",
      config: config as unknown as Record<string, unknown>,
      seeds,
      modelId: config.modelId,
      revision: config.revision,
      modelPath: fp32.path,
      splits: config.calibrationSamples === undefined ? ["validation"] : ["validation", "train"],
      settings: options.settings,
    }),
  };
  Object.assign(report.extra, extra);
  await writeReport(report, { dir, sections: DEFAULT_REPORT_SECTIONS });
  return report.toJSON() as QuantizeReportJson;
}

/** SHA-256 of each evaluation's predicted labels. */
function predictionHashes(evaluations: Record<string, EvaluationResult>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(evaluations).map(([name, e]) => [name, predictionsHash(e.predictions)]),
  );
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
