/**
 * Shared fixtures of the quantization tests: a tiny random DistilBERT, token batches of varying
 * length, and running a model in ONNX Runtime.
 *
 * @module
 */

import { encodeModel, type Model } from "../onnx/mod.ts";
import { buildDistilBert, DISTILBERT_BASE, type DistilBertConfig } from "../model/mod.ts";
import { batchFeeds, createSession, syntheticBatch, type TokenBatch } from "../runtime/mod.ts";

/** A DistilBERT small enough to quantize and run in milliseconds. */
export const TINY: DistilBertConfig = {
  ...DISTILBERT_BASE,
  vocabSize: 1100,
  dim: 32,
  nLayers: 2,
  nHeads: 2,
  hiddenDim: 64,
  maxPositionEmbeddings: 64,
};

/** The tiny DistilBERT with random weights (std 0.1, so activations are not all tiny). */
export function tinyModel(seed = 1, config: DistilBertConfig = TINY): Model {
  return buildDistilBert(config, { seed, std: 0.1 });
}

/** `count` batches of `size` rows whose sequence length varies from 6 to 45. */
export function* tokenBatches(
  count: number,
  options: { size?: number; seed?: number; vocabSize?: number } = {},
): Generator<TokenBatch> {
  for (let i = 0; i < count; i++) {
    yield syntheticBatch({
      size: options.size ?? 4,
      seqLen: 6 + ((i * 7) % 40),
      vocabSize: options.vocabSize ?? TINY.vocabSize,
      seed: (options.seed ?? 0) + i + 1,
    });
  }
}

/** The first output of `model` on each batch, concatenated. */
export async function runModel(model: Model, batches: Iterable<TokenBatch>): Promise<Float32Array> {
  const s = await createSession(encodeModel(model), { intraOpThreads: 1 });
  const parts: Float32Array[] = [];
  try {
    for (const batch of batches) {
      const out = await s.session.run(batchFeeds({ batch, inputNames: s.inputNames }));
      parts.push(out[s.outputNames[0]].data as Float32Array);
    }
  } finally {
    await s.session.release();
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return all;
}

/** Largest absolute difference, and the largest absolute reference value. */
export function compare(
  got: Float32Array,
  reference: Float32Array,
): { maxDiff: number; scale: number } {
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - reference[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return { maxDiff, scale };
}

/** Deterministic standard normal values (xorshift + Box–Muller). */
export function gaussian(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}
