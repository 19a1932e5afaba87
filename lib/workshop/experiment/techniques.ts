/**
 * What each technique of an experiment config does to the model: one function per technique,
 * each calling the kit's own workflow for it (the tuner, `pruneWorkshopModel`,
 * `distillStudent`, `qatFineTune`, `fuse`, `convertToMixedPrecision`, `quantizeWeightOnly`,
 * `smoothQuant`), so a run and a notebook compute the same thing. The run scores and writes the
 * result ({@link runExperiment}).
 *
 * @module
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Batch } from "../../data/mod.ts";
import { distillStudent } from "../../distill/mod.ts";
import { ALL_PASSES, DEFAULT_PASSES, fuse, QUANTIZATION_FRIENDLY_PASSES } from "../../fuse/mod.ts";
import type { HubSettings } from "../../hub/mod.ts";
import { convertToMixedPrecision } from "../../mixed/mod.ts";
import type { LoadedClassifier } from "../../model/mod.ts";
import { type Model, readModel } from "../../onnx/mod.ts";
import type { ProgressOption } from "../../progress/mod.ts";
import { prepareQatData, qatFineTune } from "../../qat/mod.ts";
import { collectLinearInputs, quantizeWeightOnly, smoothQuant } from "../../quant/mod.ts";
import type { SessionOptions } from "../../runtime/mod.ts";
import {
  prepareTrainingData,
  trainProfile,
  type TrainProfileName,
  type TrainResult,
} from "../../train/mod.ts";
import { classifierEvaluator, tune, type TuneResult } from "../../tune/mod.ts";
import { pruneWorkshopModel } from "../prune_workshop_model.ts";
import type { ExperimentConfig, Technique } from "./config.ts";

/** What a technique is given: the resolved config, the FP32 model and the run's data. */
export interface TechniqueContext {
  /** The config with `profile` resolved. */
  config: ExperimentConfig & { profile: TrainProfileName };
  /** The FP32 classifier as loaded (its `.onnx` file is the distillation teacher). */
  classifier: LoadedClassifier;
  /** The FP32 model the technique starts from (the outlier twin when the config asks). */
  fp32: Model;
  /** The evaluation split's batches (the config's `dataset`). */
  evaluation: Batch[];
  /** The first `calibration.samples` MRPC train pairs, 8 per batch. */
  calibration: Batch[];
  settings: HubSettings;
  session?: SessionOptions;
  progress?: ProgressOption;
}

/** What a technique produced. */
export interface TechniqueOutput {
  /** The resulting model (the best trial's, for quantization). */
  model: Model;
  /** Its file name in the output folder. */
  file: "model.onnx" | "model_quantized.onnx";
  /** Technique-specific facts for `report.json` (sparsity, passes, training updates, …). */
  details: Record<string, unknown>;
  /** Quantization: the tuner's result. */
  tuning?: TuneResult;
}

/** A training run that was stopped (Ctrl+C) is not a result to report. */
export class ExperimentStoppedError extends Error {
  override name = "ExperimentStoppedError";
}

function completed(training: TrainResult, technique: Technique): void {
  if (training.status !== "completed") {
    throw new ExperimentStoppedError(
      `${technique}: training stopped after ${training.steps} updates, so nothing was written; ` +
        "run the config again to train to the end.",
    );
  }
}

const trainFacts = (t: TrainResult) => ({
  updates: t.steps,
  seconds: t.seconds,
  finalLoss: t.history.at(-1)?.loss,
});

async function quantization(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const { config } = ctx;
  let model = ctx.fp32;
  const details: Record<string, unknown> = {};
  if (config.smooth_quant) {
    const stats = await collectLinearInputs(
      model,
      ctx.calibration.slice(0, config.smooth_quant.batches),
    );
    const smoothed = smoothQuant(model, { stats, alpha: config.smooth_quant.alpha });
    model = smoothed.model;
    details.smoothQuant = { groups: smoothed.groups.length, alpha: config.smooth_quant.alpha };
  }
  const tuning = await tune({
    model,
    approach: config.approach,
    calibration: ctx.calibration,
    sensitivity: { batches: ctx.calibration.slice(0, 4) },
    evaluate: classifierEvaluator({ batches: ctx.evaluation, session: ctx.session }),
    criterion: config.criterion.relative !== undefined
      ? { relative: config.criterion.relative }
      : { absolute: config.criterion.absolute! },
    strategy: config.strategy,
    objective: config.objective,
    maxTrials: config.budget.max_trials,
    timeBudgetSeconds: config.budget.time_seconds,
    seed: config.seed,
    latency: config.latency ? {} : false,
    session: ctx.session,
    cache: config.cache,
    progress: ctx.progress,
  });
  return { model: tuning.model, file: "model_quantized.onnx", details, tuning };
}

async function pruning(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const { config } = ctx;
  const p = config.pruning!;
  const work = await Deno.makeTempDir({ prefix: "run-prune-" });
  try {
    const pruned = await pruneWorkshopModel({
      modelId: config.model.id,
      revision: config.model.revision,
      settings: ctx.settings,
      criterion: p.criterion,
      pattern: p.pattern,
      sparsity: p.sparsity,
      ffn: p.ffn,
      heads: p.heads,
      schedule: p.schedule,
      finetuneEpochs: p.finetune_epochs,
      distill: p.distill,
      profile: config.profile,
      seed: config.seed,
      progress: ctx.progress,
      outDir: join(work, "pruned"),
    });
    completed(pruned.run.train, "pruning");
    const r = pruned.report;
    return {
      model: await readModel(pruned.path),
      file: "model.onnx",
      details: {
        targets: r.targets,
        sparsity: r.sparsity.overall,
        byLayer: r.sparsity.byLayer,
        ...(r.structured ? { structured: r.structured } : {}),
        finetuneEpochs: r.finetuneEpochs,
        train: trainFacts(pruned.run.train),
      },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function distillation(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const { config } = ctx;
  const data = await prepareTrainingData({
    modelId: config.model.id,
    revision: config.model.revision,
    settings: ctx.settings,
    profile: trainProfile(config.profile),
    calibrationSamples: config.calibration.samples,
    progress: ctx.progress,
  });
  const result = await distillStudent(data, {
    teacherPath: ctx.classifier.path,
    temperature: config.distillation!.temperature,
    alpha: config.distillation!.alpha,
    student: { hiddenDim: config.distillation!.hidden_dim },
    seed: config.seed,
    settings: ctx.settings,
    progress: ctx.progress,
  });
  completed(result.training, "distillation");
  return {
    model: result.model,
    file: "model.onnx",
    details: {
      teacherLayers: data.config.nLayers,
      studentLayers: result.student.layers,
      studentHiddenDim: result.student.config.hiddenDim,
      train: trainFacts(result.training),
    },
  };
}

async function qat(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const { config } = ctx;
  const data = await prepareQatData({
    modelId: config.model.id,
    revision: config.model.revision,
    settings: ctx.settings,
    profile: config.profile,
    calibrationSamples: config.calibration.samples,
    progress: ctx.progress,
  });
  const result = await qatFineTune(data, {
    warmup: config.qat!.warmup,
    distill: config.qat!.distill ? {} : undefined,
    seed: config.seed,
    session: ctx.session,
    progress: ctx.progress,
    log: false,
  });
  result.model.dispose();
  completed(result.training, "qat");
  return {
    model: result.exported.model,
    file: "model_quantized.onnx",
    details: {
      fakeQuantAccuracy: result.fakeQuant.accuracy,
      trainedFp32Accuracy: result.trainedFp32.accuracy,
      train: trainFacts(result.training),
    },
  };
}

const PASS_LISTS = {
  default: DEFAULT_PASSES,
  quantization_friendly: QUANTIZATION_FRIENDLY_PASSES,
  all: ALL_PASSES,
} as const;

function fusion(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const { model, report } = fuse(ctx.fp32, { passes: PASS_LISTS[ctx.config.fusion!.passes] });
  return Promise.resolve({
    model,
    file: "model.onnx",
    details: {
      nodesBefore: report.nodesBefore,
      nodesAfter: report.nodesAfter,
      matches: report.matchCounts(),
    },
  });
}

function mixedPrecision(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const m = ctx.config.mixed_precision!;
  const warnings: string[] = [];
  const { model, report } = convertToMixedPrecision(ctx.fp32, {
    target: m.target,
    missingKernels: m.missing_kernels,
    onWarning: (w) => warnings.push(w),
  });
  return Promise.resolve({
    model,
    file: "model.onnx",
    details: { ...report.precisionCounts(), casts: report.casts.final, warnings },
  });
}

async function weightOnly(ctx: TechniqueContext): Promise<TechniqueOutput> {
  const w = ctx.config.weight_only!;
  const hessians = w.method === "gptq"
    ? new Map(
      [...await collectLinearInputs(ctx.fp32, ctx.calibration, { hessian: true })].map((
        [name, s],
      ) => [name, s.hessian!]),
    )
    : undefined;
  const { model, report } = quantizeWeightOnly(ctx.fp32, {
    bits: w.bits,
    blockSize: w.block_size,
    symmetric: w.symmetric,
    method: w.method,
    hessians,
    embeddings: w.embeddings,
  });
  return { model, file: "model_quantized.onnx", details: { counts: report.counts } };
}

/** Each technique's step, by its name in the config. */
export const TECHNIQUE_STEPS: Readonly<
  Record<Technique, (ctx: TechniqueContext) => Promise<TechniqueOutput>>
> = {
  quantization,
  pruning,
  distillation,
  qat,
  fusion,
  mixed_precision: mixedPrecision,
  weight_only: weightOnly,
};
