/**
 * The QAT workflow the notebook, the benchmark and the command line share: load a model's
 * PyTorch weights and MRPC, score FP32 and post-training quantization in ONNX Runtime, fine-tune
 * with fake quantization (warm-started from the PTQ calibration, so training starts exactly at
 * PTQ), export the QDQ model with the learned scales and score it in ONNX Runtime.
 *
 * @module
 */
import { dirname } from "node:path";
import { type Batch, makeBatches } from "../data/batch.ts";
import { distillationLoss, type KdSettings } from "../distill/mod.ts";
import { agreementWith, evaluateClassifier } from "../eval/mod.ts";
import { buildDistilBertGraph } from "../model/mod.ts";
import { encodeModel, type Model, writeModel } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  calibrate,
  type CalibrationResult,
  quantizeStatic,
  type QuantReport,
} from "../quant/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import {
  type DropoutRates,
  evaluateTf,
  prepareTrainingData,
  TfDistilBert,
  type TrainData,
  type TrainingData,
  type TrainingDataRequest,
  type TrainOptions,
  type TrainResult,
} from "../train/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { exportQatModel, type QatExport, siteRanges } from "./export.ts";
import { QAT_CALIBRATION_SAMPLES, qatProfile } from "./profile.ts";
import { QatQuantizer } from "./quantizer.ts";
import { type QatScheme, QatSchemeError, resolveQatScheme, staticOptionsOf } from "./scheme.ts";
import { graphSites } from "./sites.ts";
import { trainQat } from "./train_qat.ts";

/** Options of {@link prepareQatData}. */
export type QatDataOptions = TrainingDataRequest;

/**
 * A model's weights and the MRPC data of a QAT run; `train.validation` holds the validation
 * batches too, so training evaluates on them.
 */
export type QatData = TrainingData;

/**
 * Loads the PyTorch weights of `modelId` and MRPC train, validation and calibration batches.
 *
 * @example
 * ```ts ignore
 * const data = await prepareQatData({ profile: "quick" });
 * console.log(data.config.dim, data.validation.length);
 * ```
 */
export async function prepareQatData(options: QatDataOptions = {}): Promise<QatData> {
  const profile = typeof options.profile === "object"
    ? options.profile
    : qatProfile(options.profile);
  const data = await prepareTrainingData({
    modelId: options.modelId ?? workshopSettings().modelId,
    revision: options.revision,
    settings: options.settings,
    progress: options.progress,
    profile,
    calibrationSamples: options.calibrationSamples ?? QAT_CALIBRATION_SAMPLES[profile.name],
  });
  return { ...data, train: { ...data.train, validation: data.validation } };
}

/** One model scored on the validation batches, against a reference's logits when given. */
export interface VariantScore {
  name: string;
  /** `onnxruntime` (a real quantized model) or `tfjs` (the fake-quantized training model). */
  runtime: "onnxruntime" | "tfjs";
  accuracy: number;
  f1: number;
  /** Share of rows predicted as the reference predicts (1 without a reference). */
  agreement: number;
  /** Largest and mean |logit − reference logit| (0 without a reference). */
  maxAbsLogitError: number;
  meanAbsLogitError: number;
  /** Bytes of the ONNX model (ONNX Runtime scores only). */
  sizeBytes?: number;
  /**
   * Mean |logit − logit of the same weights in float|: the error quantization alone causes
   * (for PTQ the same as `meanAbsLogitError`; for QAT measured against the trained weights).
   */
  quantizationError?: number;
  /** Logits by validation row, `[rows * numLabels]`. */
  logits: Float32Array;
}

/** Options of {@link scoreOnnx} and {@link scoreTf}. */
export interface ScoreOptions {
  /** Logits to compare with (the FP32 model's), same rows. */
  reference?: Float32Array;
  /** ONNX Runtime session options. */
  session?: SessionOptions;
}

function scored(
  name: string,
  runtime: VariantScore["runtime"],
  metrics: { accuracy: number; f1: number },
  logits: Float32Array,
  options: ScoreOptions,
): VariantScore {
  const agreement = options.reference
    ? agreementWith({ logits, reference: options.reference, numLabels: 2 })
    : { agreement: 1, maxAbsLogitError: 0, meanAbsLogitError: 0 };
  return { name, runtime, accuracy: metrics.accuracy, f1: metrics.f1, ...agreement, logits };
}

/**
 * Runs an ONNX model in ONNX Runtime on `batches` and scores it.
 *
 * @example
 * ```ts ignore
 * const fp32 = await scoreOnnx("fp32", buildDistilBertGraph(data.config, data.weights), data.validation);
 * ```
 */
export async function scoreOnnx(
  name: string,
  model: Model,
  batches: readonly Batch[],
  options: ScoreOptions = {},
): Promise<VariantScore> {
  const bytes = encodeModel(model);
  const session = await createSession(bytes, options.session);
  try {
    const result = await evaluateClassifier(session, batches, { progress: false });
    return {
      ...scored(name, "onnxruntime", result.metrics, result.logits, options),
      sizeBytes: bytes.byteLength,
    };
  } finally {
    await session.session.release();
  }
}

/**
 * Runs the tfjs model (with whatever hooks it has, e.g. fake quantization) on `batches` and
 * scores it.
 *
 * @example
 * ```ts ignore
 * const fakeQuant = await scoreTf("QAT (tfjs fake-quant)", model, data.validation, { reference });
 * ```
 */
export async function scoreTf(
  name: string,
  model: TfDistilBert,
  batches: readonly Batch[],
  options: ScoreOptions = {},
): Promise<VariantScore> {
  const result = await evaluateTf(model, batches);
  return scored(name, "tfjs", result.metrics, result.logits, options);
}

/** Options of {@link ptqBaseline}. */
export interface PtqBaselineOptions extends ScoreOptions {
  /** The scheme (the same as QAT's, for a fair comparison). */
  scheme?: Partial<QatScheme>;
  /** The FP32 graph (default: built from `data.weights`). */
  fp32?: Model;
  progress?: ProgressOption;
}

/** Post-training static quantization of a QAT run's starting model. */
export interface PtqBaseline {
  model: Model;
  report: QuantReport;
  /** MinMax ranges on `data.calibration`: PTQ's scales and QAT's warm-up. */
  calibration: CalibrationResult;
  score: VariantScore;
}

/**
 * Static PTQ with the scheme QAT simulates (QDQ, int8 per-channel weights, calibrated
 * activations), scored in ONNX Runtime: the baseline QAT has to beat.
 *
 * @example
 * ```ts ignore
 * const ptq = await ptqBaseline(data, { reference: fp32.logits });
 * ```
 */
export async function ptqBaseline(
  data: QatData,
  options: PtqBaselineOptions = {},
): Promise<PtqBaseline> {
  const scheme = resolveQatScheme(options.scheme);
  const fp32 = options.fp32 ?? buildDistilBertGraph(data.config, data.weights);
  const calibration = await calibrate(fp32, data.calibration, {
    quantizeActivationMatMuls: scheme.quantizeAttention,
    progress: options.progress ?? false,
    session: options.session,
  });
  const { linearNodes } = graphSites(fp32);
  const excluded = scheme.excludeLinears.map((linear) => {
    const node = linearNodes.get(linear);
    if (!node) {
      throw new QatSchemeError(
        `excludeLinears: "${linear}" is not a Linear of ${data.modelId}; use state-dict ` +
          `prefixes such as "classifier" or "distilbert.transformer.layer.0.ffn.lin1".`,
      );
    }
    return node;
  });
  const { model, report } = quantizeStatic(fp32, calibration, staticOptionsOf(scheme, excluded));
  const score = await scoreOnnx("PTQ static int8", model, data.validation, options);
  if (options.reference) score.quantizationError = score.meanAbsLogitError;
  return { model, report, calibration, score };
}

/** Options of {@link qatFineTune}: the engine's loop options plus QAT's own. */
export interface QatFineTuneOptions extends TrainOptions {
  scheme?: Partial<QatScheme>;
  /**
   * Observer warm-up: a calibration's ranges (`ptqBaseline(...).calibration`), `"calibrate"` to
   * calibrate on `data.calibration` now (default), or `"none"` to start from the first batch.
   */
  warmup?: CalibrationResult | "calibrate" | "none";
  /** FP32 logits on `data.validation`, to score agreement against. */
  reference?: Float32Array;
  /** Also score the fake-quantized model before training (default false). */
  scoreAtStart?: boolean;
  /** Write the QDQ model here (atomically). */
  outPath?: string;
  session?: SessionOptions;
  /**
   * Self-distillation: train towards the FP32 model's soft labels (`lib/distill`'s loss,
   * `α·T²·KL + (1−α)·CE`) instead of the labels alone, so QAT recovers the FP32 model's function
   * rather than re-fitting the task. Teacher logits come from the FP32 model in ONNX Runtime.
   */
  distill?: KdSettings;
  /** Dropout of the trained model (default Hugging Face's). */
  dropout?: Partial<DropoutRates>;
}

/** What {@link qatFineTune} produced. */
export interface QatFineTuneResult {
  /** The trained tfjs model, with the quantizer still attached (dispose when done). */
  model: TfDistilBert;
  quantizer: QatQuantizer;
  training: TrainResult;
  exported: QatExport;
  /** Where the QDQ model was written, with `outPath`. */
  path?: string;
  /** The fake-quantized model before training (with `scoreAtStart`). */
  start?: VariantScore;
  /** The trained weights without quantization, in ONNX Runtime (what training alone changed). */
  trainedFp32: VariantScore;
  /** The fake-quantized model after training, in tfjs. */
  fakeQuant: VariantScore;
  /** The exported QDQ model in ONNX Runtime: the deliverable. */
  onnx: VariantScore;
}

/**
 * Quantization-aware fine-tuning: fake quantization attached to the tfjs model, observers
 * warmed up from a calibration, the engine's training loop (its profile from `data.profile`,
 * options win; with `checkpoint` the observers resume too, see `trainQat`), then export to QDQ
 * ONNX with the learned ranges and scoring in ONNX Runtime.
 *
 * @example
 * ```ts ignore
 * const qat = await qatFineTune(data, { warmup: ptq.calibration, reference: fp32.logits });
 * console.log(qat.onnx.accuracy, qat.fakeQuant.accuracy);
 * ```
 */
export async function qatFineTune(
  data: QatData,
  options: QatFineTuneOptions = {},
): Promise<QatFineTuneResult> {
  const { scheme: schemeOptions, warmup = "calibrate", reference, outPath, session } = options;
  const scheme = resolveQatScheme(schemeOptions);
  const fp32 = buildDistilBertGraph(data.config, data.weights);
  const calibration = warmup === "calibrate"
    ? await calibrate(fp32, data.calibration, {
      quantizeActivationMatMuls: scheme.quantizeAttention,
      progress: false,
      session,
    })
    : warmup === "none"
    ? undefined
    : warmup;
  const quantizer = new QatQuantizer({
    ...scheme,
    ranges: calibration ? siteRanges(calibration.ranges, graphSites(fp32)) : undefined,
  });
  const loss = options.distill
    ? distillationLoss({
      ...options.distill,
      teacherLogits: await fp32TrainLogits(fp32, data.train, session),
      numLabels: data.config.numLabels,
    })
    : options.loss;
  const model = await TfDistilBert.fromWeights(data.config, data.weights, {
    dropout: options.dropout,
  });
  try {
    quantizer.attach(model);
    const scoring = { reference, session };
    const start = options.scoreAtStart
      ? await scoreTf("QAT at step 0 (tfjs)", model, data.validation, scoring)
      : undefined;
    const training = await trainQat(model, quantizer, data.train, {
      ...options,
      profile: options.profile ?? data.profile,
      loss,
    });
    const fakeQuant = await scoreTf("QAT int8, fake-quant", model, data.validation, scoring);
    const exported = exportQatModel(model, quantizer);
    if (outPath) {
      await Deno.mkdir(dirname(outPath), { recursive: true });
      await writeModel(outPath, exported.model);
    }
    const onnx = await scoreOnnx("QAT int8", exported.model, data.validation, scoring);
    const trainedFp32 = await scoreOnnx(
      "QAT weights, FP32",
      exported.fp32,
      data.validation,
      scoring,
    );
    for (const score of [fakeQuant, onnx]) {
      score.quantizationError = meanAbsDifference(score.logits, trainedFp32.logits);
    }
    return {
      model,
      quantizer,
      training,
      exported,
      path: outPath,
      start,
      trainedFp32,
      fakeQuant,
      onnx,
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The FP32 model's logits on the training rows, in row order (the self-distillation teacher). */
async function fp32TrainLogits(
  fp32: Model,
  data: TrainData,
  session?: SessionOptions,
): Promise<Float32Array> {
  const batches = makeBatches(data.encoded, data.labels, {
    batchSize: 32,
    sortByLength: true,
    padTokenId: data.padTokenId,
  });
  const model = await createSession(encodeModel(fp32), session);
  try {
    return (await evaluateClassifier(model, batches, { progress: false })).logits;
  } finally {
    await model.session.release();
  }
}

function meanAbsDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return a.length ? sum / a.length : 0;
}
