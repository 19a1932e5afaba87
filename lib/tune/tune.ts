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
import {
  calibrate,
  type CalibrationInput,
  type CalibrationReader,
  type CalibrationResult,
  type QuantReport,
} from "../quant/mod.ts";
import { checkCriterion, DEFAULT_CRITERION, describeCriterion } from "./criterion.ts";
import { TuneOptionsError } from "./errors.ts";
import { blockOf } from "./groups.ts";
import { latencyProbe } from "./latency.ts";
import { type Candidate, QuantizationSpace, type QuantTrialRecord } from "./quantization_space.ts";
import { RECIPE_DIMENSIONS } from "./recipe_dimension.ts";
import { defaultRecipe, describeRecipe, recipeSpace } from "./recipes.ts";
import { TuneResult } from "./result.ts";
import { checkSearchOptions, DEFAULT_MAX_TRIALS, search } from "./search.ts";
import type { SearchLoop } from "./search_loop.ts";
import { SENSITIVITY_MEASURES, type SensitivityMeasure } from "./sensitivity_measure.ts";
import { resolveStrategy, TUNE_STRATEGIES, type TuneStrategy } from "./strategy.ts";
import { compareTrials, TuneContext } from "./tune_context.ts";
import { checkObjective, continuesAfterMet, objectiveCompare } from "./objective.ts";
import { TrialCache } from "./trial_cache.ts";
import type { StopReason, TuneBaseline, TuneOptions } from "./types.ts";
// The built-in strategies and sensitivity measures register themselves, in this order.
import "./strategy_basic.ts";
import "./strategy_random.ts";
import "./strategy_exhaustive.ts";
import "./strategy_bayesian.ts";
import "./strategy_conservative.ts";
import "./strategy_mse.ts";
import "./strategy_mse_v2.ts";
import "./strategy_hawq_v2.ts";
import "./sensitivity_logit_mse.ts";
import "./sensitivity_accuracy_drop.ts";

export { DEFAULT_MAX_TRIALS, TUNE_STRATEGIES };

/** Default number of calibration batches sensitivity is measured on. */
export const DEFAULT_SENSITIVITY_BATCHES = 4;

/**
 * Quantizes `options.model` trial after trial until a configuration meets the accuracy
 * criterion (see {@link TuneOptions}); returns the best trial, its model and the history. It is
 * the generic `search` loop over the {@link QuantizationSpace}, driven by a registered
 * {@link TuneStrategy}. Deterministic for a fixed seed (up to the time budget). Never throws
 * because nothing met the criterion: `met` is false and `message` says what was tried.
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
  checkOptions(options, approach);
  const objective = checkObjective(options.objective ?? "accuracy", options.latency !== false);
  const cache = typeof options.cache === "string" ? new TrialCache(options.cache) : options.cache;
  const strategy: TuneStrategy = resolveStrategy(options.strategy ?? "basic");
  const work = prepareModel(options);
  const latency = options.latency === false
    ? undefined
    : latencyProbe(work, options.latency ?? {}, options.session);
  const { calibration, sensitivityBatches } = await prepareCalibration(options, approach, work);
  const measure = sensitivityMeasure(options, sensitivityBatches.length);
  const dimensions = RECIPE_DIMENSIONS.values();
  const recipes = recipeSpace(
    approach,
    { calibration: calibration?.method, quant: options.quant },
    options.space,
    dimensions,
  );
  const initial = defaultRecipe(recipes);
  const space = new QuantizationSpace({
    approach,
    model: work,
    calibration,
    quant: options.quant ?? {},
    defaultRecipe: initial,
  });
  let ctx: TuneContext | undefined;
  const outcome = await search({
    model: options.model,
    space,
    strategy: {
      name: strategy.name,
      run: (loop: SearchLoop<Candidate, QuantTrialRecord, QuantReport>) => {
        ctx = new TuneContext(loop, {
          space,
          recipes,
          dimensions,
          defaultRecipe: initial,
          groupBy: options.groupBy ?? blockOf,
          measure,
          sensitivityBatches,
          session: options.session,
        });
        return strategy.run(ctx);
      },
    },
    evaluate: options.evaluate,
    criterion: options.criterion,
    maxTrials,
    timeBudgetSeconds: options.timeBudgetSeconds,
    startedAt: started,
    seed: options.seed,
    latency: latency ?? false,
    session: options.session,
    progress: options.progress,
    label: `tune (${strategy.name})`,
    onTrial: options.onTrial,
    compare: objectiveCompare(objective, compareTrials),
    continueAfterMet: continuesAfterMet(objective),
    cache,
  });
  const result = {
    met: outcome.met,
    best: outcome.best,
    model: outcome.model,
    report: outcome.artifact,
    baseline: outcome.baseline,
    history: outcome.history,
    strategy: outcome.strategy,
    criterion: outcome.criterion,
    threshold: outcome.threshold,
    stopReason: outcome.stopReason,
    sensitivity: ctx!.measuredSensitivity(),
    calibration,
    seconds: (performance.now() - started) / 1000,
  };
  return new TuneResult({
    ...result,
    message: describeOutcome({
      ...result,
      quantizable: space.quantizableNodes().length,
      maxTrials,
      timeBudgetSeconds: options.timeBudgetSeconds,
    }),
  });
}

/** The measure of `options.sensitivity.measure`, or the default for the batches at hand. */
function sensitivityMeasure(options: TuneOptions, batches: number): SensitivityMeasure {
  const chosen = options.sensitivity?.measure ?? (batches > 0 ? "logit-mse" : "accuracy-drop");
  const measure = typeof chosen === "object" ? chosen : SENSITIVITY_MEASURES.get(chosen);
  if (measure.needsBatches && batches === 0) {
    throw new TuneOptionsError(
      `sensitivity measure "${measure.name}" needs batches: pass sensitivity: { batches } or ` +
        'calibration batches, or choose a measure that needs none ("accuracy-drop").',
    );
  }
  return measure;
}

function checkOptions(options: TuneOptions, approach: string): void {
  checkSearchOptions(options);
  checkCriterion(options.criterion ?? DEFAULT_CRITERION);
  if (approach !== "static" && approach !== "dynamic") {
    throw new TuneOptionsError(`approach "${approach}" is unknown; use "static" or "dynamic".`);
  }
  if (approach === "static" && !options.calibration) {
    throw new TuneOptionsError(
      "static tuning needs options.calibration: calibration batches (e.g. MRPC train batches " +
        'from prepareMrpc) or a CalibrationResult; or use approach: "dynamic".',
    );
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
