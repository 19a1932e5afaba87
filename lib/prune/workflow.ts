/**
 * The pruning workflow the notebook and the command line share: load a model's PyTorch weights
 * and MRPC ({@link preparePruneData}), prune on the training engine and fine-tune
 * ({@link runPruning}: `pruneModel` with a criterion, targets and a schedule; distillation and
 * other training extensions come in through `train`), export to ONNX — structured patterns
 * physically shrink the graph — and score it in ONNX Runtime against the dense model
 * ({@link scorePrunedOnnx}), then optionally quantize it to INT8 ({@link quantizePruned}).
 *
 * Techniques built on this one (distillation's teacher and loss, the tuner, QAT with a pattern
 * lock) are composed one layer up: `lib/workshop/prune_workshop_model.ts` and the notebook.
 *
 * @module
 */
import { type Batch, prepareMrpc } from "../data/mod.ts";
import { JUPYTER_DISPLAY, type MimeBundle, Table } from "../display/mod.ts";
import { agreementWith } from "../eval/metrics.ts";
import { evaluateClassifier, type EvaluationResult } from "../eval/evaluate_classifier.ts";
import { buildDistilBertGraph, type DistilBertConfig, type WeightMap } from "../model/mod.ts";
import { encodeModel, type Model } from "../onnx/mod.ts";
import { calibrate, quantizeStatic, type QuantReport } from "../quant/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import {
  type DropoutRates,
  prepareTrainingData,
  TfDistilBert,
  type TrainingData,
  type TrainingDataRequest,
  type TrainResult,
} from "../train/mod.ts";
import {
  type MaskSet,
  type MaskSparsity,
  masksToStructuredPlan,
  type StructuredPlan,
} from "./mask.ts";
import { pruneModel, type PruneModelOptions } from "./prune_model.ts";
import { pruneProfile } from "./profile.ts";
import { patternByName } from "./patterns/registry.ts";
import { createCriterion } from "./criteria/registry.ts";
import { PruneOptionsError } from "./errors.ts";
import { prunableWeights } from "./layers.ts";
import { maskedWeights, type PruneTarget, resolveTargets, selectMasks } from "./targets.ts";
import { pruneStateDict } from "./structured.ts";

/** Options of {@link preparePruneData}. */
export type PruneDataOptions = TrainingDataRequest;

/** Validation pairs a sweep scores: the first 128, the quick profile's validation set. */
export const SWEEP_ROWS = 128;

/** A model's weights and the MRPC data of a pruning run. */
export interface PruneData extends TrainingData {
  /**
   * The first {@link SWEEP_ROWS} validation pairs (32 per batch), for sections that score many
   * variants (a sparsity sweep, criteria): at DistilBERT-base size a pass over all 408 pairs takes
   * ~20 s on 2 cores. The validation batches themselves when the profile has no more rows.
   */
  sample: Batch[];
}

/**
 * Loads the PyTorch weights of `modelId` and MRPC train, validation and calibration batches.
 *
 * @example
 * ```ts ignore
 * const data = await preparePruneData({ profile: "quick" });
 * console.log(data.config.dim, data.train.encoded.length);
 * ```
 */
export async function preparePruneData(options: PruneDataOptions = {}): Promise<PruneData> {
  const profile = typeof options.profile === "object"
    ? options.profile
    : pruneProfile(options.profile);
  const modelId = options.modelId ?? workshopSettings().modelId;
  const common = { modelId, revision: options.revision, settings: options.settings };
  const data = await prepareTrainingData({
    ...common,
    progress: options.progress,
    profile,
    calibrationSamples: options.calibrationSamples ?? (profile.name === "quick" ? 32 : 100),
  });
  const fits = profile.validationLimit !== undefined && profile.validationLimit <= SWEEP_ROWS;
  const sample = fits ? data.validation : (await prepareMrpc("validation", {
    ...common,
    revision: data.revision,
    limit: SWEEP_ROWS,
    batchSize: 32,
    sortByLength: true,
    progress: false,
  })).batches;
  return { ...data, sample };
}

/** A model scored in ONNX Runtime on the validation batches, against the dense model. */
export interface PruneScore {
  name: string;
  accuracy: number;
  f1: number;
  /** Share of rows predicted as the dense model predicts (1 without a reference). */
  agreement: number;
  /** Largest and mean |logit − dense logit| (0 without a reference). */
  maxAbsLogitError: number;
  meanAbsLogitError: number;
  /** Bytes of the encoded ONNX model. */
  sizeBytes: number;
  /** Logits by validation row, `[rows * numLabels]`. */
  logits: Float32Array;
  /** The whole evaluation it comes from (predictions, labels, metrics), to reuse without a rerun. */
  evaluation: EvaluationResult;
}

/** Options of {@link scorePrunedOnnx}. */
export interface PruneScoreOptions {
  /** The dense model's logits on the same batches. */
  reference?: Float32Array;
  session?: SessionOptions;
}

/**
 * Runs `model` in ONNX Runtime on `batches` and scores it: accuracy, F1, and agreement and logit
 * error against `reference`.
 *
 * @example
 * ```ts ignore
 * const dense = await scorePrunedOnnx("dense", buildDistilBertGraph(data.config, data.weights), data.validation);
 * ```
 */
export async function scorePrunedOnnx(
  name: string,
  model: Model,
  batches: readonly Batch[],
  options: PruneScoreOptions = {},
): Promise<PruneScore> {
  const bytes = encodeModel(model);
  const session = await createSession(bytes, options.session);
  try {
    const result = await evaluateClassifier(session, batches, { progress: false });
    const agreement = options.reference
      ? agreementWith({ logits: result.logits, reference: options.reference, numLabels: 2 })
      : { agreement: 1, maxAbsLogitError: 0, meanAbsLogitError: 0 };
    return {
      name,
      accuracy: result.metrics.accuracy,
      f1: result.metrics.f1,
      ...agreement,
      sizeBytes: bytes.byteLength,
      logits: result.logits,
      evaluation: result,
    };
  } finally {
    await session.session.release();
  }
}

/** Zero fraction of one transformer layer's masks. */
export interface LayerSparsity {
  /** Transformer layer index. */
  layer: number;
  /** Pruned entries over all masked entries of the layer. */
  sparsity: number;
}

/**
 * The zero fraction of `masks` per transformer layer (`distilbert.transformer.layer.i.…`), in
 * layer order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sparsityByLayer } from "./workflow.ts";
 * const masks = new Map([
 *   ["distilbert.transformer.layer.1.ffn.lin1.weight", { shape: [4], mask: Uint8Array.of(0, 0, 0, 1) }],
 *   ["distilbert.transformer.layer.0.ffn.lin1.weight", { shape: [2], mask: Uint8Array.of(1, 0) }],
 * ]);
 * assert.deepEqual(sparsityByLayer(masks), [{ layer: 0, sparsity: 0.5 }, { layer: 1, sparsity: 0.75 }]);
 * ```
 */
export function sparsityByLayer(masks: MaskSet): LayerSparsity[] {
  const layers = new Map<number, { zeros: number; total: number }>();
  for (const [name, { mask }] of masks) {
    const m = /^distilbert\.transformer\.layer\.(\d+)\./.exec(name);
    if (!m) continue;
    const l = layers.get(Number(m[1])) ?? { zeros: 0, total: 0 };
    for (let i = 0; i < mask.length; i++) if (!mask[i]) l.zeros++;
    l.total += mask.length;
    layers.set(Number(m[1]), l);
  }
  return [...layers].sort(([a], [b]) => a - b)
    .map(([layer, l]) => ({ layer, sparsity: l.total ? l.zeros / l.total : 0 }));
}

/** Options of {@link runPruning}: `pruneModel`'s (criterion, targets, schedule, `train`) and more. */
export interface PruneRunOptions extends PruneModelOptions {
  /** Name of the variant in tables (default: criterion and patterns). */
  label?: string;
  /** The dense model's logits on `data.validation` (agreement, logit error). */
  reference?: Float32Array;
  /**
   * Physically remove what structured targets (`ffn`, `head`) prune (default true when every
   * target is structured): the exported graph is smaller, not just sparser.
   */
  shrink?: boolean;
  /** Dropout of the trained model (default Hugging Face's). */
  dropout?: Partial<DropoutRates>;
  session?: SessionOptions;
}

/** A pruned, fine-tuned, exported and scored model. */
export class PruneRun {
  constructor(
    /** Variant name. */
    readonly name: string,
    /** The masks reached, by state-dict weight name. */
    readonly masks: MaskSet,
    /** Zero fraction of the masks, overall and per weight. */
    readonly sparsity: MaskSparsity,
    /** Zero fraction per transformer layer. */
    readonly byLayer: LayerSparsity[],
    /** Config of the exported model (per-layer sizes when shrunk). */
    readonly config: DistilBertConfig,
    /** Weights of the exported model (state-dict names). */
    readonly weights: WeightMap,
    /** The exported ONNX model. */
    readonly model: Model,
    /** What the graph kept, when structured pruning shrank it. */
    readonly plan: StructuredPlan | undefined,
    /** The exported model scored in ONNX Runtime. */
    readonly score: PruneScore,
    /** The training run (history, steps, seconds). */
    readonly train: TrainResult,
  ) {}

  /** One row for a results table. */
  row(): Record<string, string | number> {
    return {
      variant: this.name,
      sparsity: this.sparsity.sparsity,
      accuracy: this.score.accuracy,
      F1: this.score.f1,
      agreement: this.score.agreement,
      "mean |Δlogit|": this.score.meanAbsLogitError,
      "size MB": this.score.sizeBytes / 1e6,
      updates: this.train.steps,
    };
  }

  /** Rich output: the row as a table. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return new Table([this.row()], { title: `Pruned: ${this.name}` })[JUPYTER_DISPLAY]();
  }
}

function defaultLabel(options: PruneRunOptions): string {
  const criterion = typeof options.criterion === "object"
    ? options.criterion.name
    : options.criterion ?? "magnitude";
  const targets = options.targets.map((t) => {
    const name = typeof t.pattern === "string" ? t.pattern : t.pattern.name;
    return typeof t.sparsity === "number" ? `${name} ${t.sparsity}` : name;
  });
  return `${criterion}: ${targets.join(" + ")}`;
}

function allStructured(options: PruneRunOptions): boolean {
  return options.targets.length > 0 &&
    options.targets.every((t) =>
      (typeof t.pattern === "string" ? patternByName(t.pattern) : t.pattern).structured
    );
}

/**
 * Prunes a fresh copy of `data`'s dense model on the training engine (`pruneModel`: every option
 * checked before training; the training loop settings start from `data.profile`, `train` wins),
 * exports it to ONNX — shrunk when every target is structured — and scores it in ONNX Runtime.
 * Distillation: pass `train.loss` (`lib/distill`'s `distillationLoss`); a pattern lock or QAT:
 * `train.extensions`.
 *
 * @example
 * ```ts ignore
 * const run = await runPruning(data, {
 *   criterion: "taylor", targets: [{ pattern: "4x1", sparsity: 0.7 }], reference: dense.logits,
 * });
 * console.log(run.score.agreement, run.sparsity.sparsity);
 * ```
 */
export async function runPruning(data: PruneData, options: PruneRunOptions): Promise<PruneRun> {
  const model = await TfDistilBert.fromWeights(data.config, data.weights, {
    dropout: options.dropout,
  });
  let pruned;
  try {
    pruned = await pruneModel(model, data.train, {
      ...options,
      train: {
        profile: data.profile,
        evalEvery: 0,
        progress: false,
        log: false,
        ...options.train,
      },
    });
  } finally {
    model.dispose();
  }
  const shrink = options.shrink ?? allStructured(options);
  let config = data.config;
  let weights = pruned.weights;
  let plan: StructuredPlan | undefined;
  if (shrink) {
    plan = masksToStructuredPlan(data.config, pruned.masks);
    ({ config, weights } = pruneStateDict(data.config, pruned.weights, plan));
  }
  const onnx = buildDistilBertGraph(config, weights);
  const name = options.label ?? defaultLabel(options);
  const score = await scorePrunedOnnx(name, onnx, data.validation, options);
  return new PruneRun(
    name,
    pruned.masks,
    pruned.sparsity,
    sparsityByLayer(pruned.masks),
    config,
    weights,
    onnx,
    plan,
    score,
    pruned.train,
  );
}

/** A pruned model quantized to INT8. */
export interface QuantizedPruned {
  model: Model;
  report: QuantReport;
  score: PruneScore;
}

/**
 * Static INT8 post-training quantization of a pruned model (QDQ, per-channel symmetric weights:
 * a pruned zero stays exactly zero), calibrated on `data.calibration` and scored against
 * `reference`.
 *
 * @example
 * ```ts ignore
 * const int8 = await quantizePruned(data, run.model, { reference: dense.logits });
 * ```
 */
export async function quantizePruned(
  data: PruneData,
  model: Model,
  options: PruneScoreOptions & { name?: string } = {},
): Promise<QuantizedPruned> {
  const calibration = await calibrate(model, data.calibration, {
    progress: false,
    session: options.session,
  });
  const { model: int8, report } = quantizeStatic(model, calibration, { perChannel: true });
  const score = await scorePrunedOnnx(
    options.name ?? "pruned + INT8",
    int8,
    data.validation,
    options,
  );
  return { model: int8, report, score };
}

/**
 * A gradual (cubic) schedule spread over the first fine-tuning epoch: `steps` pruning steps after
 * the first, evenly spaced over `updatesPerEpoch` updates, starting at update `startStep`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gradualOverEpoch } from "./workflow.ts";
 * assert.deepEqual(gradualOverEpoch({ updatesPerEpoch: 24, steps: 4 }), { kind: "gradual", startStep: 0, every: 6, steps: 4 });
 * assert.equal(gradualOverEpoch({ updatesPerEpoch: 2, steps: 4 }).every, 1);
 * ```
 */
export function gradualOverEpoch(
  options: { updatesPerEpoch: number; steps?: number; startStep?: number },
): { kind: "gradual"; startStep: number; every: number; steps: number } {
  const steps = options.steps ?? 4;
  return {
    kind: "gradual",
    startStep: options.startStep ?? 0,
    every: Math.max(1, Math.floor(options.updatesPerEpoch / steps)),
    steps,
  };
}

/** Options of {@link oneShotMasks}. */
export interface OneShotMaskOptions {
  /** Patterns and sparsities. */
  targets: readonly PruneTarget[];
  /** A criterion that needs no gradients: `magnitude` (default) or `random`. */
  criterion?: "magnitude" | "random";
  /** Seed of `random`. */
  seed?: number;
}

/**
 * The masks a one-shot prune of `weights` reaches without any training (magnitude or random
 * scores): for sweeps of sparsity and granularity that cost one ONNX Runtime pass per point
 * (`applyMasks` then applies them to a graph).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { maskSparsity } from "./mask.ts";
 * import { oneShotMasks } from "./workflow.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const masks = oneShotMasks(config, randomDistilBertWeights(config, { seed: 1 }), { targets: [{ pattern: "2:4", sparsity: 0.5 }] });
 * assert.equal(maskSparsity(masks).sparsity, 0.5);
 * ```
 */
export function oneShotMasks(
  config: DistilBertConfig,
  weights: WeightMap,
  options: OneShotMaskOptions,
): MaskSet {
  const targets = resolveTargets(config, options.targets, prunableWeights(config));
  const criterion = createCriterion(options.criterion ?? "magnitude", { seed: options.seed });
  const names = [...maskedWeights(targets).keys()];
  const scores = criterion.scores({
    names,
    weight: (name) => {
      const w = weights.get(name);
      if (!w) throw new PruneOptionsError(`weights have no ${name}; pass this model's weights.`);
      return w.data;
    },
  });
  return selectMasks(targets, { scores });
}
