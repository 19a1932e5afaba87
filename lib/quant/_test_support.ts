/**
 * Shared fixtures of the quantization tests: a tiny random DistilBERT, token batches of varying
 * length, and running a model in ONNX Runtime.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { buildDistilBert, type DistilBertConfig } from "../model/mod.ts";
import { firstOutputs, TINY_DISTILBERT } from "../../tests/support/tiny_distilbert.ts";
import { xorshift32 } from "../random/mod.ts";
import { syntheticBatch, type TokenBatch } from "../runtime/mod.ts";
import { defaultReduceRange } from "./options.ts";

/**
 * How much coarser the default int8 weights are on this machine: 2 where they get 7-bit ranges
 * (x86 without VNNI, {@linkcode defaultReduceRange}), else 1. Tolerances against FP32 scale with it.
 */
export const WEIGHT_STEP_FACTOR = defaultReduceRange("int8") ? 2 : 1;

/** A DistilBERT small enough to quantize and run in milliseconds (the shared tiny config). */
export const TINY: DistilBertConfig = TINY_DISTILBERT;

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
  const parts = await firstOutputs(model, batches);
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
  const next = xorshift32(seed);
  // In (0, 1): the draw's midpoint, so the logarithm stays finite.
  const uniform = () => next() + 2 ** -33;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}
