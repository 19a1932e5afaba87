/**
 * Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.
 *
 * @module
 */
import type { Tensor } from "@tensorflow/tfjs";
import { tf } from "./backend.ts";

/** What {@link clipByGlobalNorm} returns; the caller owns the tensors. */
export interface ClippedGradients<K> {
  /** The gradients, scaled when the norm exceeded the limit (else the inputs themselves). */
  grads: Map<K, Tensor>;
  /** The global L2 norm before clipping. */
  norm: number;
  /** The factor applied (1 when not clipped). */
  scale: number;
}

/**
 * Scales all gradients by `maxNorm / (norm + 1e-6)` when their global L2 norm exceeds `maxNorm`
 * (PyTorch's rule); `maxNorm` of `Infinity` only measures. Inputs that are scaled are not
 * disposed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { clipByGlobalNorm } from "./clip.ts";
 * const tf = await initTf();
 * const { grads, norm } = clipByGlobalNorm(new Map([["a", tf.tensor1d([3])], ["b", tf.tensor1d([4])]]), 1);
 * assert.ok(Math.abs(norm - 5) < 1e-6);
 * assert.ok(Math.abs(grads.get("a")!.dataSync()[0] - 0.6) < 1e-6);
 * ```
 */
export function clipByGlobalNorm<K>(
  grads: ReadonlyMap<K, Tensor>,
  maxNorm: number,
): ClippedGradients<K> {
  if (!(maxNorm > 0)) throw new RangeError(`maxNorm ${maxNorm} must be positive.`);
  let sumOfSquares = 0;
  for (const g of grads.values()) {
    const partial = tf.tidy(() => tf.sum(tf.square(g)));
    sumOfSquares += partial.dataSync()[0];
    partial.dispose();
  }
  const norm = Math.sqrt(sumOfSquares);
  const scale = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
  if (scale === 1) return { grads: new Map(grads), norm, scale };
  const scaled = new Map<K, Tensor>();
  for (const [key, g] of grads) scaled.set(key, tf.mul(g, scale));
  return { grads: scaled, norm, scale };
}

/**
 * The global L2 norm of gradients held in JavaScript arrays (float64 accumulation), and the factor
 * PyTorch's `clip_grad_norm_` would scale them by.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { globalNormScale } from "./clip.ts";
 * const { norm, scale } = globalNormScale([new Float32Array([3]), new Float32Array([4])], 1);
 * assert.equal(norm, 5);
 * assert.ok(Math.abs(scale - 1 / (5 + 1e-6)) < 1e-12);
 * ```
 */
export function globalNormScale(
  grads: Iterable<Float32Array>,
  maxNorm: number,
): { norm: number; scale: number } {
  if (!(maxNorm > 0)) throw new RangeError(`maxNorm ${maxNorm} must be positive.`);
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  const norm = Math.sqrt(sum);
  return { norm, scale: norm > maxNorm ? maxNorm / (norm + 1e-6) : 1 };
}
