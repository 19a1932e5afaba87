/**
 * Fixtures of the tuner tests: a tiny random DistilBERT with one planted sensitive op, and
 * synthetic labelled batches whose labels are the FP32 model's own predictions (so FP32 accuracy
 * is 1 and any accuracy loss is the quantization's).
 *
 * @module
 */

import type { LabelledBatch } from "../eval/mod.ts";
import { buildDistilBert, type DistilBertConfig } from "../model/mod.ts";
import type { Model } from "../onnx/mod.ts";
import { calibrate, type CalibrationResult } from "../quant/mod.ts";
import { syntheticBatch, type TokenBatch } from "../runtime/mod.ts";
import { firstOutputs, TINY_DISTILBERT } from "../../tests/support/tiny_distilbert.ts";

/** A DistilBERT small enough to quantize and run in milliseconds (the shared tiny config). */
export const TINY: DistilBertConfig = TINY_DISTILBERT;

/** The op whose quantization the planted outlier wrecks. */
export const SENSITIVE_OP = "/distilbert/transformer/layer.1/ffn/lin2/MatMul";

/**
 * The tiny DistilBERT with an outlier channel planted in layer 1's FFN: hidden unit `channel`
 * gets bias `outlier`, so the activation `lin2` reads has one channel near `outlier` while the
 * others stay near 1, and `lin2`'s weight row for that unit is divided by `outlier` so the FP32
 * function stays tame. Quantizing that activation to 8 bits with one scale rounds every other
 * channel to a few levels: quantizing `lin2` wrecks the output, other ops do not.
 */
export function plantedModel(
  options: { seed?: number; outlier?: number; channel?: number; std?: number } = {},
): Model {
  const model = buildDistilBert(TINY, { seed: options.seed ?? 3, std: options.std ?? 0.1 });
  const outlier = options.outlier ?? 1000;
  const channel = options.channel ?? 5;
  const tensor = (name: string) => {
    const t = model.graph.initializers.find((i) => i.name === name);
    if (!t) throw new Error(`the tiny DistilBERT has no initializer ${name}`);
    return t;
  };
  const bias = tensor("distilbert.transformer.layer.1.ffn.lin1.bias").data as Float32Array;
  bias[channel] = outlier;
  const w2 = tensor("distilbert.transformer.layer.1.ffn.lin2.weight");
  const cols = w2.dims[1];
  const data = w2.data as Float32Array;
  for (let c = 0; c < cols; c++) data[channel * cols + c] /= outlier;
  return model;
}

/** `count` token batches of `size` rows, lengths 8 to 39, from `seed`. */
export function tokenBatches(
  count: number,
  options: { size?: number; seed?: number } = {},
): TokenBatch[] {
  return Array.from({ length: count }, (_, i) =>
    syntheticBatch({
      size: options.size ?? 8,
      seqLen: 8 + ((i * 11) % 32),
      vocabSize: TINY.vocabSize,
      seed: (options.seed ?? 0) * 1000 + i + 1,
    }));
}

/**
 * Shifts the classifier bias of `model` (in place) so that half of the rows of `batches` fall on
 * each side of the decision boundary: a random model otherwise predicts one class for every
 * input, and labels that never change cannot show a quantization error.
 */
export async function balanceClassifier(
  model: Model,
  batches: readonly TokenBatch[],
): Promise<Model> {
  const diffs = (await firstOutputs(model, batches)).flatMap((l) =>
    Array.from({ length: l.length / 2 }, (_, i) => l[2 * i + 1] - l[2 * i])
  ).sort((a, b) => a - b);
  const median = diffs[Math.floor(diffs.length / 2)];
  const bias = model.graph.initializers.find((t) => t.name === "classifier.bias");
  if (!bias) throw new Error("the tiny DistilBERT has no classifier.bias");
  (bias.data as Float32Array)[1] -= median + 1e-4;
  return model;
}

/**
 * Token batches labelled with `model`'s own predictions (FP32 accuracy 1), keeping only the rows
 * whose FP32 logit margin is at least `minMargin` (rows on the boundary flip under any noise and
 * say nothing about one op).
 */
export async function selfLabelled(
  model: Model,
  batches: readonly TokenBatch[],
  options: { minMargin?: number } = {},
): Promise<LabelledBatch[]> {
  const all = await firstOutputs(model, batches);
  const minMargin = options.minMargin ?? 0;
  let row = 0;
  const out: LabelledBatch[] = [];
  batches.forEach((batch, b) => {
    const logits = all[b];
    const keep = Array.from({ length: batch.size }, (_, i) => i)
      .filter((i) => Math.abs(logits[2 * i + 1] - logits[2 * i]) >= minMargin);
    if (keep.length === 0) return;
    const n = batch.seqLen;
    const pick = (data: BigInt64Array) => {
      const out = new BigInt64Array(keep.length * n);
      keep.forEach((r, k) => out.set(data.subarray(r * n, (r + 1) * n), k * n));
      return out;
    };
    out.push({
      size: keep.length,
      seqLen: n,
      inputIds: pick(batch.inputIds),
      attentionMask: pick(batch.attentionMask),
      indices: keep.map((_, k) => row + k),
      labels: keep.map((i) => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0)),
    });
    row += keep.length;
  });
  return out;
}

/** The `q` quantile of |logit 1 − logit 0| of `model` over `batches`. */
export async function marginQuantile(
  model: Model,
  batches: readonly TokenBatch[],
  q: number,
): Promise<number> {
  const margins = (await firstOutputs(model, batches)).flatMap((l) =>
    Array.from({ length: l.length / 2 }, (_, i) => Math.abs(l[2 * i + 1] - l[2 * i]))
  ).sort((a, b) => a - b);
  return margins[Math.min(margins.length - 1, Math.floor(q * margins.length))];
}

/** The built-in strategies, in registration order. */
export const BUILT_IN_STRATEGIES: readonly string[] = [
  "basic",
  "random",
  "exhaustive",
  "bayesian",
  "conservative",
  "mse",
  "mse_v2",
  "hawq_v2",
];

/** What the tuner tests run on: see {@link plantedTuneFixture}. */
export interface PlantedTuneFixture {
  /** The planted model (`outlier` 300, `std` 0.2), its classifier balanced on `evalBatches`. */
  model: Model;
  /** The evaluation batches (seed 7), unlabelled. */
  evalBatches: TokenBatch[];
  /** `evalBatches` labelled by the model, rows with a margin below the 0.2 quantile left out. */
  labelled: LabelledBatch[];
  /** One ORT thread. */
  session: { intraOpThreads: number };
  /** Calibration on 8 token batches of seed 1. */
  calibration: CalibrationResult;
}

/** The planted model, its self-labelled evaluation set of `evalBatches` batches and calibration. */
export async function plantedTuneFixture(
  options: { evalBatches: number },
): Promise<PlantedTuneFixture> {
  const evalBatches = tokenBatches(options.evalBatches, { seed: 7 });
  const model = await balanceClassifier(plantedModel({ outlier: 300, std: 0.2 }), evalBatches);
  const labelled = await selfLabelled(model, evalBatches, {
    minMargin: await marginQuantile(model, evalBatches, 0.2),
  });
  const session = { intraOpThreads: 1 };
  const calibration = await calibrate(model, tokenBatches(8, { seed: 1 }), {
    progress: false,
    session,
  });
  return { model, evalBatches, labelled, session, calibration };
}
