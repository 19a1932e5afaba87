/**
 * `runExperiment`: one run described by an {@link ExperimentConfig} — load the model (or its
 * outlier twin), prepare MRPC, tune, score the best model once more for its predictions, and
 * write `report.json` (result, history, manifest) and the best model to the config's output.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { evaluateClassifier } from "../../eval/mod.ts";
import { writeFileAtomic } from "../../fs/mod.ts";
import { type HubSettings, hubSettings } from "../../hub/mod.ts";
import { outlierTwinModel } from "../../model/mod.ts";
import { encodeModel } from "../../onnx/mod.ts";
import type { ProgressOption } from "../../progress/mod.ts";
import type { RunManifest } from "../../report/mod.ts";
import { createSession } from "../../runtime/mod.ts";
import { classifierEvaluator, type Trial, tune, type TuneResult } from "../../tune/mod.ts";
import { type WorkshopLoaders, workshopLoaders } from "../loaders.ts";
import { workshopManifest } from "../workshop_manifest.ts";
import type { ExperimentConfig } from "./config.ts";

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  settings?: HubSettings;
  progress?: ProgressOption;
  loaders?: Partial<WorkshopLoaders>;
  /** Write here instead of `config.output` (reproduce runs into a temporary folder). */
  outDir?: string;
}

/** What a run writes to `report.json`. */
export interface ExperimentReport {
  task: "run";
  name?: string;
  result: {
    met: boolean;
    message: string;
    strategy: string;
    baseline: { accuracy: number; f1?: number; latencyMs?: number; sizeBytes: number };
    best: {
      index: number;
      accuracy: number;
      f1?: number;
      latencyMs?: number;
      sizeBytes: number;
      fallback: string[];
      recipe: Record<string, unknown>;
    };
    trials: number;
    /** Trials until the first that met the criterion (undefined: none did). */
    trialsToSuccess?: number;
    /** SHA-256 of the best model's predictions on the evaluation split (one byte per row). */
    predictionsSha256: string;
    seconds: number;
  };
  history: Trial[];
  manifest: RunManifest;
}

/** SHA-256 of predicted labels, one byte each. */
export function predictionsHash(predictions: ArrayLike<number>): string {
  return createHash("sha256").update(Uint8Array.from(predictions)).digest("hex");
}

/**
 * Runs `config` and writes `report.json` and `model_quantized.onnx` to its output folder.
 *
 * @example
 * ```ts ignore
 * const { report } = await runExperiment(parseExperimentConfig(await Deno.readTextFile("data/recipes/tune_bayesian_twin.yaml")));
 * ```
 */
export async function runExperiment(
  config: ExperimentConfig,
  options: RunExperimentOptions = {},
): Promise<{ report: ExperimentReport; tuning: TuneResult; dir: string }> {
  const settings = options.settings ?? hubSettings();
  const loaders = workshopLoaders(options.loaders);
  const common = { revision: config.model.revision, settings, progress: options.progress };
  const twin = config.model.outlier_twin;
  const classifier = await loaders.loadClassifier(config.model.id, {
    ...common,
    export: twin ? "always" : "auto",
  });
  const fp32 = await loaders.readModel(classifier.path);
  const model = twin ? outlierTwinModel(fp32, classifier.config, twin) : fp32;
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
  const tuning = await tune({
    model,
    approach: config.approach,
    calibration: calibration.batches,
    sensitivity: { batches: calibration.batches.slice(0, 4) },
    evaluate: classifierEvaluator({ batches: evaluation.batches, session }),
    criterion: config.criterion.relative !== undefined
      ? { relative: config.criterion.relative }
      : { absolute: config.criterion.absolute! },
    strategy: config.strategy,
    objective: config.objective,
    maxTrials: config.budget.max_trials,
    timeBudgetSeconds: config.budget.time_seconds,
    seed: config.seed,
    latency: config.latency ? {} : false,
    session,
    cache: config.cache,
    progress: options.progress,
  });
  const bytes = encodeModel(tuning.model);
  const s = await createSession(bytes, session ?? {});
  let predictions: Int32Array;
  try {
    predictions = (await evaluateClassifier(s, evaluation.batches, { progress: false }))
      .predictions;
  } finally {
    await s.session.release();
  }
  const dir = resolve(options.outDir ?? config.output);
  const first = tuning.history.find((t) => t.met);
  const report: ExperimentReport = {
    task: "run",
    name: config.name,
    result: {
      met: tuning.met,
      message: tuning.message,
      strategy: tuning.strategy,
      baseline: {
        accuracy: tuning.baseline.accuracy,
        f1: tuning.baseline.f1,
        latencyMs: tuning.baseline.latencyMs,
        sizeBytes: tuning.baseline.sizeBytes,
      },
      best: {
        index: tuning.best.index,
        accuracy: tuning.best.accuracy,
        f1: tuning.best.f1,
        latencyMs: tuning.best.latencyMs,
        sizeBytes: tuning.best.sizeBytes,
        fallback: tuning.best.config.fallback,
        recipe: { ...tuning.best.config.recipe },
      },
      trials: tuning.history.length,
      trialsToSuccess: first ? first.index + 1 : undefined,
      predictionsSha256: predictionsHash(predictions),
      seconds: tuning.seconds,
    },
    history: [...tuning.history],
    manifest: await workshopManifest({
      task: "run",
      config: config as unknown as Record<string, unknown>,
      seeds: { strategy: config.seed, ...(twin ? { outlierTwin: twin.seed } : {}) },
      modelId: config.model.id,
      revision: config.model.revision,
      modelPath: classifier.path,
      splits: [config.dataset.split, "train"],
      settings,
      threads: { intraOp: config.threads },
    }),
  };
  await writeFileAtomic(join(dir, "model_quantized.onnx"), bytes);
  await writeFileAtomic(join(dir, "report.json"), JSON.stringify(report, null, 2) + "\n");
  return { report, tuning, dir };
}
