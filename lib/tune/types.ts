/**
 * The types of the tuner: its options, a trial, and what the evaluation function returns.
 *
 * @module
 */

import type { FuseOptions } from "../fuse/mod.ts";
import type { Model } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import type {
  CalibrationInput,
  CalibrationReader,
  CalibrationResult,
  StaticQuantOptions,
} from "../quant/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import type { AccuracyCriterion } from "./criterion.ts";
import type { GroupBy } from "./groups.ts";
import type { TrialLatencyOptions } from "./latency.ts";
import type { Recipe, RecipeSpace } from "./recipes.ts";
import type { TrialMeasures } from "./search_loop.ts";
import type { SensitivityMeasure } from "./sensitivity_measure.ts";
import type { TuneStrategy } from "./strategy.ts";
import type { TuneObjective } from "./objective.ts";
import type { TrialCache } from "./trial_cache.ts";

/** What an evaluation function returns: `accuracy` (the tuned metric) and any other numbers. */
export interface TuneMetrics {
  /** Higher is better; the criterion applies to it. */
  accuracy: number;
  f1?: number;
  /** Share of rows predicted as FP32 predicts them. */
  agreement?: number;
  [metric: string]: number | undefined;
}

/** Scores a model (FP32 first, then every trial's quantized model). */
export type TuneEvaluate = (model: Model) => Promise<TuneMetrics>;

/**
 * The part of the search a trial belongs to. Strategies name their own phases; the built-ins use
 * `"default"`, `"recipe"`, `"block-fallback"`, `"op-fallback"` (basic) and `"random"`.
 */
export type TunePhase = string;

/** Quantization options without the (unserializable) quantizer registry. */
export type PlainQuantOptions = Omit<StaticQuantOptions, "registry">;

/** Everything that defines a trial's model; plain JSON. */
export interface TrialConfig {
  approach: "static" | "dynamic";
  phase: TunePhase;
  recipe: Recipe;
  /** Percentile of the `"percentile"` calibration method. */
  percentile?: number;
  /** Labels of the groups (blocks or single nodes) left in FP32. */
  fallback: string[];
  /** The options given to `quantizeStatic` / `quantizeDynamic` (excludeNodes included). */
  options: PlainQuantOptions;
}

/** One tried quantization configuration and how it scored (the loop's measures and these). */
export interface Trial extends TrialMeasures {
  config: TrialConfig;
  /** Nodes quantized. */
  quantizedNodes: number;
  /** Quantizable nodes left in FP32 by this trial's fallback (not counting `quant.excludeNodes`). */
  fallbackNodes: string[];
}

/** The FP32 model's scores. */
export interface TuneBaseline {
  accuracy: number;
  f1?: number;
  latencyMs?: number;
  sizeBytes: number;
  metrics: Record<string, number>;
}

/** Why tuning stopped. */
export type StopReason = "met" | "exhausted" | "maxTrials" | "timeBudget";

/** Options of `tune`. */
export interface TuneOptions {
  /** The FP32 model (not changed). */
  model: Model;
  /** Default `"static"`. */
  approach?: "static" | "dynamic";
  /**
   * Static: calibration batches (run once, with histograms, whatever the number of recipes) or
   * a ready `CalibrationResult` of the model as quantized (after `fuseFirst` / `transform`).
   * Dynamic: optional, only used for sensitivity.
   */
  calibration?: CalibrationReader | CalibrationResult;
  /** Calibration samples (rows) to use from the reader (default: all). */
  calibrationSize?: number;
  /** Scores a model; see `classifierEvaluator` for the built-in one. */
  evaluate: TuneEvaluate;
  /** Allowed accuracy loss (default `{ relative: 0.01 }`). */
  criterion?: AccuracyCriterion;
  /**
   * A registered strategy's name (`"basic"`, the default, `"random"`, or one added with
   * `registerStrategy`; see `TUNE_STRATEGIES`), or a strategy object.
   */
  strategy?: string | TuneStrategy;
  /** At most this many trials (default 100). */
  maxTrials?: number;
  /**
   * Stop starting trials after this many seconds from the call (default: no limit). Checked
   * before each trial and sensitivity measurement; the first trial always runs.
   */
  timeBudgetSeconds?: number;
  /** Seed of the random strategy (default 0). */
  seed?: number;
  /** Base quantization options every trial starts from (recipes override their dimensions). */
  quant?: StaticQuantOptions;
  /** Recipe values to try instead of the defaults, per dimension (first value = default). */
  space?: Partial<RecipeSpace>;
  /** Block of a node name (default `blockOf`: `layer.N`, `embeddings`, `classifier`, …). */
  groupBy?: GroupBy;
  /**
   * Batches to measure op sensitivity on (default: the first `count` batches of the
   * calibration reader), and the measure: a registered name (`SENSITIVITY_MEASURES`) or a
   * measure object (default `"logit-mse"` when there are batches, else `"accuracy-drop"`, which
   * uses `evaluate`).
   */
  sensitivity?: {
    batches?: readonly CalibrationInput[];
    count?: number;
    measure?: string | SensitivityMeasure;
  };
  /** How to time each trial (default batch 8 × seq 128, 5 runs); `false` skips timing. */
  latency?: false | TrialLatencyOptions;
  /** How ONNX Runtime runs calibration, sensitivity and latency sessions. */
  session?: SessionOptions;
  /**
   * Fuse the FP32 graph (`lib/fuse`) before quantizing; options of `fuse`, or `true` for
   * `QUANTIZATION_FRIENDLY_PASSES` (every default pass but `attention`, whose fused op would hide
   * the q/k/v MatMuls from the quantizer).
   */
  fuseFirst?: boolean | FuseOptions;
  /** Any other graph rewrite before quantizing (after `fuseFirst`). */
  transform?: (model: Model) => Model;
  /** Progress per trial (see `lib/progress`); default on. */
  progress?: ProgressOption;
  /** Called after every trial (e.g. to redraw the history in a notebook). */
  onTrial?: (trial: Trial, history: readonly Trial[]) => void | Promise<void>;
  /**
   * What to optimize among passing trials (see `objective.ts`): `"accuracy"` (default: stop at
   * the first passing trial, fewest FP32 nodes best), `"latency"` or `"size"` (search the whole
   * budget, the fastest or smallest passing trial best), `"pareto"` (as `"latency"`; draw the
   * front with `paretoFigure`).
   */
  objective?: TuneObjective;
  /**
   * A folder (or a `TrialCache`) of trials cached by content hash: a re-run replays cached
   * trials without evaluating them and continues with new ones.
   */
  cache?: string | TrialCache;
}
