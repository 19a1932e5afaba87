/**
 * `runExperiment`: one run described by an {@link ExperimentConfig} — load the model (or its
 * outlier twin), prepare MRPC, apply the config's technique (`techniques.ts`; quantization is
 * tuned), score the result against FP32 (`run_figures.ts`), and write `report.json` (figures,
 * details, history, manifest) and the resulting model to the config's output, swapped in whole.
 *
 * @module
 */

import { join } from "node:path";
import type { MrpcSplit } from "../../data/mod.ts";
import { checkOutputDir, writeDirAtomic, writeFileAtomic } from "../../fs/mod.ts";
import { type HubSettings, hubSettings } from "../../hub/mod.ts";
import { outlierTwinModel } from "../../model/mod.ts";
import { encodeModel } from "../../onnx/mod.ts";
import type { ProgressOption } from "../../progress/mod.ts";
import type { RunManifest } from "../../report/mod.ts";
import { workshopSettings } from "../../settings/mod.ts";
import type { TrainProfileName } from "../../train/mod.ts";
import { describeCriterion, meetsCriterion, type Trial, type TuneResult } from "../../tune/mod.ts";
import { type WorkshopLoaders, workshopLoaders } from "../loaders.ts";
import { workshopManifest } from "../workshop_manifest.ts";
import { type ExperimentConfig, type Technique, TRAINING_TECHNIQUES } from "./config.ts";
import { scoreAgainstFp32 } from "./run_figures.ts";
import { writeRunPage } from "./run_page.ts";
import { TECHNIQUE_STEPS } from "./techniques.ts";

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  settings?: HubSettings;
  progress?: ProgressOption;
  loaders?: Partial<WorkshopLoaders>;
  /** Write here instead of `config.output` (reproduce runs into a temporary folder). */
  outDir?: string;
  /**
   * Also write `report.html` (default true): FP32 and the result scored once more, with their
   * latency. Reproduce, which compares only `report.json`, turns it off.
   */
  page?: boolean;
}

/** The figures of one model of a run (the FP32 baseline, or the result). */
export interface RunFigures {
  accuracy: number;
  f1?: number;
  /** Median ms at batch 8 × 128 (with `latency: true`). */
  latencyMs?: number;
  sizeBytes: number;
}

/** What a run writes to `report.json`. */
export interface ExperimentReport {
  task: "run";
  name?: string;
  result: {
    /** Absent in reports written before techniques existed: quantization. */
    technique?: Technique;
    /** Whether the result's accuracy meets the config's criterion against FP32. */
    met: boolean;
    message: string;
    baseline: RunFigures;
    /** The resulting model (quantization: the best trial's). */
    best: RunFigures & {
      /** Share of evaluation rows predicted as FP32 predicts them. */
      agreement?: number;
      /** Largest and mean |logit − FP32 logit|. */
      maxAbsLogitError?: number;
      meanAbsLogitError?: number;
      /** Quantization: the trial, its FP32 fallbacks and recipe. */
      index?: number;
      fallback?: string[];
      recipe?: Record<string, unknown>;
    };
    /** The model's file in the output folder. */
    model?: string;
    /** Quantization: the strategy, trials run, trials until the first that met the criterion. */
    strategy?: string;
    trials?: number;
    trialsToSuccess?: number;
    /** SHA-256 of the result's predictions on the evaluation split (one byte per row). */
    predictionsSha256: string;
    /** Technique-specific facts (sparsity, fusion matches, training updates, …). */
    details?: Record<string, unknown>;
    seconds: number;
  };
  history: Trial[];
  manifest: RunManifest;
}

/** The config with what the environment decided written in, as the manifest records it. */
export function resolveExperimentConfig(
  config: ExperimentConfig,
): ExperimentConfig & { profile: TrainProfileName } {
  return { ...config, profile: config.profile ?? (workshopSettings().quick ? "quick" : "full") };
}

/**
 * Runs `config` — its technique (default quantization, tuned) on its model — scores the result
 * against FP32 on the config's dataset, and writes `report.json` (figures, technique details,
 * tuning history, manifest) and the resulting model (`model_quantized.onnx` for quantization,
 * QAT and weight-only, else `model.onnx`) to its output folder, swapped in whole.
 *
 * @example
 * ```ts ignore
 * const text = await Deno.readTextFile("data/recipes/02_prune_unstructured.yaml");
 * const { report } = await runExperiment(parseExperimentConfig(text));
 * console.log(report.result.best.accuracy, report.result.details);
 * ```
 */
export async function runExperiment(
  input: ExperimentConfig,
  options: RunExperimentOptions = {},
): Promise<{ report: ExperimentReport; tuning?: TuneResult; dir: string }> {
  const started = performance.now();
  const config = resolveExperimentConfig(input);
  const dir = await checkOutputDir(options.outDir ?? config.output);
  const settings = options.settings ?? hubSettings();
  const loaders = workshopLoaders(options.loaders);
  const common = { revision: config.model.revision, settings, progress: options.progress };
  const twin = config.model.outlier_twin;
  const classifier = await loaders.loadClassifier(config.model.id, {
    ...common,
    export: twin ? "always" : "auto",
  });
  const loaded = await loaders.readModel(classifier.path);
  const fp32 = twin ? outlierTwinModel(loaded, classifier.config, twin) : loaded;
  const data = { modelId: config.model.id, ...common };
  const evaluation = await loaders.prepareMrpc(config.dataset.split, {
    ...data,
    batchSize: 16,
    sortByLength: true,
    limit: config.dataset.limit,
  });
  const calibration = await loaders.prepareMrpc("train", {
    ...data,
    batchSize: 8,
    limit: config.calibration.samples,
  });
  const session = config.threads ? { intraOpThreads: config.threads } : undefined;
  const output = await TECHNIQUE_STEPS[config.technique]({
    config,
    classifier,
    fp32,
    evaluation: evaluation.batches,
    calibration: calibration.batches,
    settings,
    session,
    progress: options.progress,
  });
  const figures = await scoreAgainstFp32({
    fp32,
    model: output.model,
    batches: evaluation.batches,
    session,
    latency: config.latency && !output.tuning,
  });
  const tuning = output.tuning;
  const criterion = config.criterion.relative !== undefined
    ? { relative: config.criterion.relative }
    : { absolute: config.criterion.absolute! };
  const baseline: RunFigures = tuning
    ? {
      accuracy: tuning.baseline.accuracy,
      f1: tuning.baseline.f1,
      latencyMs: tuning.baseline.latencyMs,
      sizeBytes: tuning.baseline.sizeBytes,
    }
    : figures.baseline;
  const met = tuning
    ? tuning.met
    : meetsCriterion(figures.result.accuracy, baseline.accuracy, criterion);
  const first = tuning?.history.find((t) => t.met);
  const report: ExperimentReport = {
    task: "run",
    name: config.name,
    result: {
      technique: config.technique,
      met,
      message: tuning?.message ??
        `${config.technique}: accuracy ${figures.result.accuracy.toFixed(4)} against FP32 ` +
          `${baseline.accuracy.toFixed(4)} (${describeCriterion(criterion)}): ` +
          (met ? "meets the criterion" : "does not meet the criterion"),
      baseline,
      best: {
        ...figures.result,
        ...(tuning
          ? {
            accuracy: tuning.best.accuracy,
            f1: tuning.best.f1,
            latencyMs: tuning.best.latencyMs,
            sizeBytes: tuning.best.sizeBytes,
            index: tuning.best.index,
            fallback: tuning.best.config.fallback,
            recipe: { ...tuning.best.config.recipe },
          }
          : {}),
      },
      model: output.file,
      ...(tuning
        ? {
          strategy: tuning.strategy,
          trials: tuning.history.length,
          trialsToSuccess: first ? first.index + 1 : undefined,
        }
        : {}),
      predictionsSha256: figures.predictionsSha256,
      details: output.details,
      seconds: 0,
    },
    history: tuning ? [...tuning.history] : [],
    manifest: await workshopManifest({
      task: "run",
      config: config as unknown as Record<string, unknown>,
      seeds: {
        [tuning ? "strategy" : "run"]: config.seed,
        ...(twin ? { outlierTwin: twin.seed } : {}),
      },
      modelId: config.model.id,
      revision: config.model.revision,
      modelPath: classifier.path,
      splits: [
        ...new Set<MrpcSplit>([
          config.dataset.split,
          "train",
          ...(TRAINING_TECHNIQUES.includes(config.technique) ? ["validation" as const] : []),
        ]),
      ],
      settings,
      threads: { intraOp: config.threads },
    }),
  };
  report.result.seconds = (performance.now() - started) / 1000;
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(join(tmp, output.file), figures.bytes);
    await writeFileAtomic(join(tmp, "report.json"), JSON.stringify(report, null, 2) + "\n");
    // The page scores the FP32 file the run started from (the twin's bytes when it tuned the twin).
    if (options.page === false) return;
    const fp32Path = twin ? join(tmp, ".fp32-twin.onnx") : classifier.path;
    if (twin) await writeFileAtomic(fp32Path, encodeModel(fp32));
    try {
      await writeRunPage(tmp, {
        report,
        fp32Path,
        resultPath: join(tmp, output.file),
        batches: evaluation.batches,
        rows: evaluation.rows,
        vocabSize: classifier.config.vocabSize,
        quick: config.profile === "quick",
        tuning,
        session,
        progress: options.progress,
      });
    } finally {
      if (twin) await Deno.remove(fp32Path);
    }
  });
  return { report, tuning, dir };
}
