import { join } from "node:path";
import { type HubSettings, hubSettings } from "../hub/mod.ts";
import type { LabelledBatch } from "../eval/mod.ts";
import type { LoadedClassifier } from "../model/mod.ts";
import {
  calibrate,
  type CalibrationMethod,
  type CalibrationResult,
  quantizeDynamic,
  type QuantizeResult,
  quantizeStatic,
  type QuantReport,
  type StaticQuantOptions,
} from "../quant/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  type AccuracyCriterion,
  classifierEvaluator,
  DEFAULT_CRITERION,
  type Trial,
  tune,
  type TuneObjective,
  type TuneResult,
} from "../tune/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { checkOutputDir, writeDirAtomic } from "../fs/mod.ts";
import { writeHubLayout } from "./hub_layout.ts";
import { checkModelChoice, checkNodeNames, WorkshopOptionsError } from "./check_options.ts";
import { type Fp32Model, loadFp32Model, type WorkshopLoaders, workshopLoaders } from "./loaders.ts";
import type { MrpcRow } from "../data/mod.ts";
import {
  type QuantizeReportJson,
  type QuantizeRunConfig,
  writeQuantizeReport,
} from "./quantize_report.ts";

/** Post-training quantization approaches the workshop compares. */
export type Approach = "dynamic" | "static";

/** Options of {@link quantizeWorkshopModel}. */
export interface QuantizeWorkshopOptions {
  /** Hub model id (default: the handed-down `fp32`'s, else `WORKSHOP_MODEL`). */
  modelId?: string;
  revision?: string;
  settings?: HubSettings;
  approach: Approach;
  /** Quantization options (op types, excluded nodes, per-channel, …). */
  quant?: StaticQuantOptions;
  /** Static: MRPC train pairs used to calibrate (default 100; 32 in the quick profile). */
  calibrationSamples?: number;
  /** Static: how activation ranges are chosen from what calibration saw (default minmax). */
  method?: CalibrationMethod;
  /**
   * Search for a configuration that keeps MRPC validation accuracy within `criterion` of FP32
   * (the accuracy-driven tuner, `lib/tune`), instead of taking the default configuration.
   */
  tune?: boolean | WorkshopTuneOptions;
  /**
   * Where to write the hub-layout folder (default `out/quantized/<approach>`). The folder is
   * replaced as a whole when the run completes (`writeDirAtomic`, lib/fs): an interrupted run
   * leaves the previous one intact.
   */
  outDir?: string;
  quick?: boolean;
  progress?: ProgressOption;
  /**
   * The FP32 model, already loaded and read (the demo hands down the one it evaluated); default:
   * loaded here by `modelId`.
   */
  fp32?: Fp32Model;
  /**
   * Tuning: the tokenized MRPC validation batches trials are scored on (the demo hands down the
   * ones it evaluated on); default: tokenized here.
   */
  validation?: readonly LabelledBatch[];
  /** How what is not handed down is loaded (default: the kit's loaders). */
  loaders?: Partial<WorkshopLoaders>;
  /**
   * Also score FP32 and INT8 on MRPC validation and write `report.json` (with the run's
   * manifest) and `report.html` into the folder, as `deno task quantize` does (default false).
   */
  report?: boolean;
  /**
   * Modules loaded before the run (`deno task quantize --import`), recorded in the report's
   * manifest so `deno task reproduce` loads them again (e.g. one that registers a strategy).
   */
  imports?: readonly string[];
}

/** How the workshop runs the tuner. */
export interface WorkshopTuneOptions {
  /** Default: within 1% (relative) of FP32 accuracy. */
  criterion?: AccuracyCriterion;
  /** A registered tuning strategy (`TUNE_STRATEGIES`: `basic`, `random`, …); `tune` checks it. */
  strategy?: string;
  /** Default 50 (6 in the quick profile). */
  maxTrials?: number;
  /**
   * What to optimize among passing trials (`tune`'s `objective`; default `"accuracy"`: the first
   * passing trial). `"latency"` and `"pareto"` need timed trials (not the quick profile).
   */
  objective?: TuneObjective;
  /** Default 1800 s (180 s in the quick profile). */
  timeBudgetSeconds?: number;
  seed?: number;
  /** Called after every trial (the notebook draws the history live). */
  onTrial?: (trial: Trial, history: readonly Trial[]) => void | Promise<void>;
}

/** A quantized model written in hub layout, with what was done to it. */
export interface QuantizedWorkshopModel {
  approach: Approach;
  /** The FP32 model it came from. */
  fp32: LoadedClassifier;
  /** The hub-layout folder. */
  dir: string;
  /** `dir/onnx/model_quantized.onnx`. */
  path: string;
  report: QuantReport;
  /** Static only: the calibration the ranges came from. */
  calibration?: CalibrationResult;
  /** When tuned: every trial, the best one, and whether the criterion was met. */
  tuning?: TuneResult;
  /** With `report`: what `report.json` holds. */
  reportJson?: QuantizeReportJson;
  seconds: number;
}

/**
 * MRPC train batches for calibration: the first `samples` pairs, tokenized like evaluation data.
 *
 * @example
 * ```ts ignore
 * const batches = await calibrationBatches({ modelId, samples: 100 });
 * ```
 */
export async function calibrationBatches(options: {
  modelId: string;
  samples: number;
  revision?: string;
  settings?: HubSettings;
  progress?: ProgressOption;
  loaders?: Partial<WorkshopLoaders>;
}): Promise<LabelledBatch[]> {
  const data = await workshopLoaders(options.loaders).prepareMrpc("train", {
    modelId: options.modelId,
    revision: options.revision,
    settings: options.settings,
    limit: options.samples,
    batchSize: 8,
    progress: options.progress,
  });
  return data.batches;
}

/**
 * The workshop's post-training quantization: takes the FP32 model (handed down, or loaded by hub
 * id), quantizes it
 * dynamically or statically (calibrating on MRPC train pairs), and writes the result in hub
 * layout (`onnx/model_quantized.onnx` beside `config.json` and the tokenizer) so
 * `@huggingface/transformers` loads it with `dtype: "q8"`. Options are checked before the work
 * they concern ({@link WorkshopOptionsError}, `OutputDirError`): the output folder and the tuning
 * budget before anything is loaded, `quant.excludeNodes` against the model's nodes before
 * calibration. The folder is swapped in whole when complete.
 *
 * @example
 * ```ts ignore
 * const int8 = await quantizeWorkshopModel({ approach: "static" });
 * console.log(int8.path, int8.report.counts);
 * ```
 */
export async function quantizeWorkshopModel(
  options: QuantizeWorkshopOptions,
): Promise<QuantizedWorkshopModel> {
  const started = performance.now();
  checkRunOptions(options);
  const dir = await checkOutputDir(options.outDir ?? join("out", "quantized", options.approach));
  const modelId = options.modelId ?? options.fp32?.classifier.modelId;
  const workshop = workshopSettings({
    ...(modelId ? { modelId } : {}),
    ...(options.quick !== undefined ? { quick: options.quick } : {}),
  });
  const settings = options.settings ?? hubSettings();
  const common = { revision: options.revision, settings, progress: options.progress };
  const loaders = workshopLoaders(options.loaders);
  const { classifier: fp32, model } = options.fp32 ??
    await loadFp32Model({ modelId: workshop.modelId, ...common, loaders });
  checkNodeNames({
    names: options.quant?.excludeNodes,
    nodes: model.graph.nodes.map((n) => n.name),
    option: "excludeNodes (--exclude)",
    model: workshop.modelId,
  });
  let result: QuantizeResult;
  let calibration: CalibrationResult | undefined;
  let batches: LabelledBatch[] = [];
  const calibrates = options.approach === "static" || Boolean(options.tune);
  const samples = options.calibrationSamples ?? (workshop.quick ? 32 : 100);
  if (calibrates) {
    batches = await calibrationBatches({ modelId: workshop.modelId, samples, ...common, loaders });
  }
  let validation: { batches: readonly LabelledBatch[]; rows?: readonly MrpcRow[] } | undefined =
    options.validation ? { batches: options.validation } : undefined;
  if (!validation && (options.tune || options.report)) {
    validation = await loaders.prepareMrpc("validation", {
      modelId: workshop.modelId,
      batchSize: 8,
      sortByLength: true,
      ...common,
    });
  }
  if (options.approach === "static") {
    calibration = await calibrate(model, batches, {
      method: options.method,
      opTypes: options.quant?.opTypes,
      quantizeActivationMatMuls: options.quant?.quantizeActivationMatMuls,
      progress: options.progress,
    });
  }
  let tuning: TuneResult | undefined;
  const tuneConfig = resolveTune(options.tune, workshop.quick);
  if (tuneConfig) {
    tuning = await tune({
      model,
      approach: options.approach,
      calibration: calibration ?? batches,
      sensitivity: { batches },
      evaluate: classifierEvaluator({ batches: validation!.batches }),
      quant: options.approach === "dynamic" ? stripStaticOnly(options.quant) : options.quant,
      ...tuneConfig,
      latency: workshop.quick ? false : undefined,
      onTrial: typeof options.tune === "object" ? options.tune.onTrial : undefined,
      progress: options.progress,
    });
    result = { model: tuning.model, report: tuning.report };
  } else if (options.approach === "dynamic") {
    result = quantizeDynamic(model, stripStaticOnly(options.quant));
  } else {
    result = quantizeStatic(model, calibration!, options.quant);
  }
  const seconds = (performance.now() - started) / 1000;
  const config: QuantizeRunConfig = {
    modelId: workshop.modelId,
    revision: options.revision ?? fp32.revision,
    approach: options.approach,
    method: options.approach === "static" ? options.method ?? "minmax" : undefined,
    calibrationSamples: calibrates ? samples : undefined,
    quick: workshop.quick,
    ...(options.imports?.length ? { imports: [...options.imports] } : {}),
    quant: options.quant ?? {},
    tune: tuneConfig ?? false,
  };
  const reportJson = await writeDirAtomic(dir, async (tmp) => {
    await writeHubLayout({
      dir: tmp,
      modelId: workshop.modelId,
      revision: options.revision,
      settings,
      onnx: { "model.onnx": fp32.path, "model_quantized.onnx": result.model },
    });
    if (!options.report) return undefined;
    return await writeQuantizeReport({
      dir: tmp,
      finalDir: dir,
      config,
      fp32,
      validation: validation!,
      report: result.report,
      tuning,
      seconds,
      settings,
      progress: options.progress,
    });
  });
  return {
    approach: options.approach,
    fp32,
    dir,
    path: join(dir, "onnx", "model_quantized.onnx"),
    report: result.report,
    calibration,
    tuning,
    ...(reportJson ? { reportJson } : {}),
    seconds: options.report ? (performance.now() - started) / 1000 : seconds,
  };
}

/** The tuner's settings with every default filled in (undefined: not tuned). */
function resolveTune(
  tune: QuantizeWorkshopOptions["tune"],
  quick: boolean,
): Exclude<QuantizeRunConfig["tune"], false> | undefined {
  if (!tune) return undefined;
  const given = tune === true ? {} : tune;
  return {
    criterion: given.criterion ?? DEFAULT_CRITERION,
    strategy: given.strategy ?? "basic",
    maxTrials: given.maxTrials ?? (quick ? 6 : 50),
    objective: given.objective ?? "accuracy",
    timeBudgetSeconds: given.timeBudgetSeconds ?? (quick ? 180 : 1800),
    seed: given.seed ?? 0,
  };
}

/**
 * Runs a quantize task again from the resolved configuration its manifest recorded, writing the
 * folder (with `report.json`) to `outDir` — what `deno task reproduce` does with a quantize
 * report.
 *
 * @example
 * ```ts ignore
 * const again = await quantizeFromConfig(report.manifest.config, { outDir: tmp });
 * console.log(again.reportJson?.predictionsSha256);
 * ```
 */
export async function quantizeFromConfig(
  config: QuantizeRunConfig,
  options: { outDir: string; settings?: HubSettings; progress?: ProgressOption },
): Promise<QuantizedWorkshopModel> {
  return await quantizeWorkshopModel({
    modelId: config.modelId,
    revision: config.revision,
    settings: options.settings,
    approach: config.approach,
    method: config.method,
    calibrationSamples: config.calibrationSamples,
    quick: config.quick,
    imports: config.imports,
    quant: config.quant,
    tune: config.tune || undefined,
    outDir: options.outDir,
    progress: options.progress,
    report: true,
  });
}

function checkRunOptions(options: QuantizeWorkshopOptions): void {
  checkModelChoice(options);
  const samples = options.calibrationSamples;
  if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) {
    throw new WorkshopOptionsError(
      `calibrationSamples (--samples) is ${samples}: pass a whole number ≥ 1 of MRPC pairs.`,
    );
  }
  const maxTrials = typeof options.tune === "object" ? options.tune.maxTrials : undefined;
  if (maxTrials !== undefined && !(Number.isInteger(maxTrials) && maxTrials >= 1)) {
    throw new WorkshopOptionsError(
      `tune.maxTrials (--max-trials) is ${maxTrials}: the tuner needs at least one trial; pass a ` +
        "whole number ≥ 1, or leave it out for the default (50; 6 in the quick profile).",
    );
  }
}

function stripStaticOnly(options: StaticQuantOptions = {}): StaticQuantOptions {
  const { format: _format, ...rest } = options;
  return rest;
}
