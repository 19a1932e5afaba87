/**
 * `tune`: Intel Neural Compressor's accuracy-driven tuning loop for the kit's post-training
 * quantization. Given an FP32 model, calibration data and an evaluation function, it tries
 * configurations (recipes, then FP32 fallbacks) until one keeps accuracy within the criterion,
 * and returns the best model with the whole history — also when none does (INC raises in that
 * case, neural-compressor issue 2261).
 *
 * @module
 */

import { fuse, QUANTIZATION_FRIENDLY_PASSES } from "../fuse/mod.ts";
import type { Model } from "../onnx/mod.ts";
import { progressReporter } from "../progress/mod.ts";
import {
  calibrate,
  type CalibrationInput,
  type CalibrationReader,
  type CalibrationResult,
} from "../quant/mod.ts";
import {
  checkCriterion,
  criterionThreshold,
  DEFAULT_CRITERION,
  describeCriterion,
} from "./criterion.ts";
import { TuneContext } from "./context.ts";
import { forgetBytes, rememberBytes } from "./encoded.ts";
import { TuneError, TuneOptionsError } from "./errors.ts";
import { blockOf } from "./groups.ts";
import { type LatencyProbe, latencyProbe } from "./latency.ts";
import { defaultRecipe, describeRecipe, recipeSpace } from "./recipes.ts";
import { TuneResult } from "./result.ts";
import { createTuneRng } from "./rng.ts";
import { outputErrorProbe } from "./sensitivity.ts";
import { StrategyRegistry, type TuneStrategy } from "./strategy.ts";
import { basicStrategy } from "./strategy_basic.ts";
import { randomStrategy } from "./strategy_random.ts";
import type { StopReason, TuneBaseline, TuneOptions } from "./types.ts";

/** The built-in strategies: `basic` and `random`. */
export const TUNE_STRATEGIES: StrategyRegistry = new StrategyRegistry([
  basicStrategy,
  randomStrategy,
]);

/** Default of {@link TuneOptions.maxTrials}. */
export const DEFAULT_MAX_TRIALS = 100;
/** Default number of calibration batches sensitivity is measured on. */
export const DEFAULT_SENSITIVITY_BATCHES = 4;

/**
 * Quantizes `options.model` trial after trial until a configuration meets the accuracy
 * criterion (see {@link TuneOptions}); returns the best trial, its model and the history.
 * Deterministic for a fixed seed (up to the time budget). Never throws because nothing met the
 * criterion: `met` is false and `message` says what was tried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { syntheticBatch } from "../runtime/mod.ts";
 * import { classifierEvaluator, tune } from "./mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const model = buildDistilBert(config, { seed: 0, std: 0.1 });
 * const batches = [1, 2].map((seed) => syntheticBatch({ size: 4, seqLen: 12, vocabSize: 1100, seed }));
 * const labelled = [{ ...batches[0], indices: [0, 1, 2, 3], labels: [0, 1, 1, 0] }];
 * const result = await tune({
 *   model, calibration: batches, evaluate: classifierEvaluator({ batches: labelled }),
 *   criterion: { absolute: 1 }, latency: false, progress: false,
 * });
 * assert.equal(result.met, true);
 * assert.equal(result.history.length, 1);
 * assert.equal(result.best.phase, "default");
 * ```
 */
export async function tune(options: TuneOptions): Promise<TuneResult> {
  const started = performance.now();
  const approach = options.approach ?? "static";
  const maxTrials = options.maxTrials ?? DEFAULT_MAX_TRIALS;
  checkOptions(options, approach, maxTrials);
  const criterion = options.criterion ?? DEFAULT_CRITERION;
  checkCriterion(criterion);
  const strategy: TuneStrategy = typeof options.strategy === "object"
    ? options.strategy
    : TUNE_STRATEGIES.get(options.strategy ?? "basic");
  const work = prepareModel(options);
  const latency = options.latency === false
    ? undefined
    : latencyProbe(work, options.latency ?? {}, options.session);
  const baseline = await measureBaseline(options, latency);
  const { calibration, sensitivityBatches } = await prepareCalibration(options, approach, work);
  const probe = sensitivityBatches.length > 0
    ? await outputErrorProbe(work, sensitivityBatches, options.session)
    : undefined;
  const space = recipeSpace(
    approach,
    { calibration: calibration?.method, quant: options.quant },
    options.space,
  );
  const threshold = criterionThreshold(baseline.accuracy, criterion);
  const progress = progressReporter(options.progress, {
    label: `tune (${strategy.name})`,
    total: Number.isFinite(maxTrials) ? maxTrials : undefined,
    unit: "trials",
  });
  const ctx = new TuneContext({
    approach,
    model: work,
    evaluate: options.evaluate,
    criterion,
    baseline,
    calibration,
    quant: options.quant ?? {},
    space,
    defaultRecipe: defaultRecipe(space),
    groupBy: options.groupBy ?? blockOf,
    probe,
    latency,
    maxTrials,
    deadline: started + (options.timeBudgetSeconds ?? Infinity) * 1000,
    rng: createTuneRng(options.seed ?? 0),
    progress,
    onTrial: options.onTrial,
  }, threshold);
  try {
    await strategy.run(ctx);
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done();
  const best = ctx.best;
  if (!best) {
    throw new TuneError(
      `strategy "${strategy.name}" ran no trial: a strategy must call ctx.run at least once.`,
    );
  }
  const stopReason: StopReason = best.trial.met ? "met" : ctx.stopReason ?? "exhausted";
  const history = [...ctx.history];
  const result = {
    met: best.trial.met,
    best: best.trial,
    model: best.model,
    report: best.report,
    baseline,
    history,
    strategy: strategy.name,
    criterion,
    threshold,
    stopReason,
    sensitivity: ctx.measuredSensitivity(),
    calibration,
    seconds: (performance.now() - started) / 1000,
  };
  return new TuneResult({
    ...result,
    message: describeOutcome({
      ...result,
      quantizable: ctx.quantizableNodes().length,
      maxTrials,
      timeBudgetSeconds: options.timeBudgetSeconds,
    }),
  });
}

function checkOptions(options: TuneOptions, approach: string, maxTrials: number): void {
  if (!options.model?.graph) {
    throw new TuneOptionsError(
      "options.model must be an ONNX Model (readModel, buildDistilBert…).",
    );
  }
  if (typeof options.evaluate !== "function") {
    throw new TuneOptionsError(
      "options.evaluate must be a function (model) => Promise<{ accuracy }>; " +
        "use classifierEvaluator({ batches }) for labelled token batches.",
    );
  }
  if (approach !== "static" && approach !== "dynamic") {
    throw new TuneOptionsError(`approach "${approach}" is unknown; use "static" or "dynamic".`);
  }
  if (approach === "static" && !options.calibration) {
    throw new TuneOptionsError(
      "static tuning needs options.calibration: calibration batches (e.g. MRPC train batches " +
        'from prepareMrpc) or a CalibrationResult; or use approach: "dynamic".',
    );
  }
  if (!(maxTrials >= 1) || (Number.isFinite(maxTrials) && !Number.isInteger(maxTrials))) {
    throw new TuneOptionsError(`maxTrials ${maxTrials} must be a positive integer (or Infinity).`);
  }
  const budget = options.timeBudgetSeconds;
  if (budget !== undefined && !(budget > 0)) {
    throw new TuneOptionsError(`timeBudgetSeconds ${budget} must be a positive number of seconds.`);
  }
}

/** The model trials quantize: `model`, fused when asked, then `transform`ed. */
function prepareModel(options: TuneOptions): Model {
  let model = options.model;
  if (options.fuseFirst) {
    model = fuse(
      model,
      options.fuseFirst === true ? { passes: QUANTIZATION_FRIENDLY_PASSES } : options.fuseFirst,
    ).model;
  }
  return options.transform ? options.transform(model) : model;
}

async function measureBaseline(
  options: TuneOptions,
  latency: LatencyProbe | undefined,
): Promise<TuneBaseline> {
  const bytes = rememberBytes(options.model);
  try {
    const metrics = await options.evaluate(options.model);
    if (typeof metrics?.accuracy !== "number" || !Number.isFinite(metrics.accuracy)) {
      throw new TuneError(
        `evaluate returned accuracy ${metrics?.accuracy} for the FP32 model; it must resolve ` +
          "to { accuracy: number, … } with a finite accuracy.",
      );
    }
    const plain: Record<string, number> = {};
    for (const [k, v] of Object.entries(metrics)) if (typeof v === "number") plain[k] = v;
    return {
      accuracy: metrics.accuracy,
      f1: metrics.f1,
      latencyMs: latency ? await latency.measure(bytes) : undefined,
      sizeBytes: bytes.byteLength,
      metrics: plain,
    };
  } finally {
    forgetBytes(options.model);
  }
}

function isCalibrationResult(value: unknown): value is CalibrationResult {
  const c = value as CalibrationResult;
  return typeof c === "object" && c !== null && typeof c.method === "string" &&
    typeof c.statistics === "object" && typeof c.ranges === "object";
}

async function prepareCalibration(
  options: TuneOptions,
  approach: "static" | "dynamic",
  work: Model,
): Promise<{ calibration?: CalibrationResult; sensitivityBatches: CalibrationInput[] }> {
  const count = options.sensitivity?.count ?? DEFAULT_SENSITIVITY_BATCHES;
  const given = options.sensitivity?.batches;
  const source = options.calibration;
  if (isCalibrationResult(source)) {
    if (Object.keys(source.statistics).length === 0) {
      throw new TuneOptionsError(
        "options.calibration has no statistics: calibrate the model (calibrate(model, batches)) " +
          "and pass the result, or pass the batches.",
      );
    }
    return {
      calibration: approach === "static" ? source : undefined,
      sensitivityBatches: [...(given ?? [])],
    };
  }
  const kept: CalibrationInput[] = [];
  if (!source) return { sensitivityBatches: [...(given ?? [])] };
  if (approach === "dynamic") {
    if (!given) {
      for await (const input of source) {
        if (kept.length >= count) break;
        kept.push(input);
      }
    }
    return { sensitivityBatches: given ? [...given] : kept };
  }
  const q = options.quant ?? {};
  const calibration = await calibrate(work, tee(source, given ? [] : kept, count), {
    size: options.calibrationSize,
    opTypes: q.opTypes,
    quantizeActivationMatMuls: q.quantizeActivationMatMuls,
    registry: q.registry,
    session: options.session,
    progress: options.progress,
  });
  return { calibration, sensitivityBatches: given ? [...given] : kept };
}

/** Reads `reader`, keeping its first `count` inputs in `kept`. */
async function* tee(
  reader: CalibrationReader,
  kept: CalibrationInput[],
  count: number,
): AsyncGenerator<CalibrationInput> {
  for await (const input of reader) {
    if (kept.length < count) kept.push(input);
    yield input;
  }
}

function describeOutcome(r: {
  met: boolean;
  best: TuneResult["best"];
  baseline: TuneBaseline;
  history: unknown[];
  strategy: string;
  criterion: TuneResult["criterion"];
  threshold: number;
  stopReason: StopReason;
  seconds: number;
  quantizable: number;
  maxTrials: number;
  timeBudgetSeconds?: number;
}): string {
  const f = (x: number) => x.toFixed(4);
  const best = r.best;
  const what = `trial ${best.index} (${best.phase}: ${describeRecipe(best.config.recipe)}; ` +
    `${best.fallbackNodes.length} of ${r.quantizable} quantizable nodes left in FP32)`;
  const trials = `${r.history.length} trial(s), ${r.seconds.toFixed(1)} s`;
  if (r.met) {
    return `Met ${describeCriterion(r.criterion)} with ${what}: accuracy ${f(best.accuracy)} vs ` +
      `FP32 ${f(r.baseline.accuracy)} (threshold ${f(r.threshold)}); ${trials}.`;
  }
  const why = r.stopReason === "maxTrials"
    ? `maxTrials (${r.maxTrials}) reached`
    : r.stopReason === "timeBudget"
    ? `time budget (${r.timeBudgetSeconds} s) spent`
    : `the ${r.strategy} strategy tried its whole space`;
  const agreement = best.agreement === undefined ? "" : `, agreement ${f(best.agreement)}`;
  return `No configuration met ${describeCriterion(r.criterion)} (accuracy ≥ ${f(r.threshold)}, ` +
    `FP32 ${f(r.baseline.accuracy)}) in ${trials}: ${why}. Best: ${what} with accuracy ` +
    `${f(best.accuracy)}${agreement}. Loosen the criterion, raise maxTrials or the time ` +
    "budget, or widen the recipe space.";
}
