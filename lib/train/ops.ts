/**
 * Differentiable matrix products that stay on the wasm backend's fast path.
 *
 * The wasm backend runs a matrix product through XNNPACK only for a 2-D (batch 1) product with
 * no transpose flag; with `transposeA`/`transposeB` or a batch it falls back to a scalar loop
 * about 15× slower (measured: 1.0–1.5 against 20 GFLOP/s on 1024×768×3072). tfjs's own
 * gradient of `matMul` uses exactly those flags, so these ops carry their own gradients that
 * transpose explicitly (a cheap copy) and multiply without flags. Batched products (attention)
 * run on the kit's WebAssembly SIMD kernel (`simd_matmul.ts`), forward and backward.
 *
 * On the native BLAS (`gemm.ts`) transposes are free flags of `cblas_sgemm`, so the ops pass them
 * instead of copying, and sums over rows (bias and LayerNorm gradients) are products with a row
 * of ones: the wasm backend reduces axis 0 by transposing first.
 *
 * @module
 */
import type { GradSaveFunc, Tensor, Tensor1D, Tensor2D } from "@tensorflow/tfjs";
import { tf } from "./backend.ts";
import { activeNativeBlas } from "./gemm.ts";
import { BATCH_MATMUL_KERNEL } from "./kernels.ts";

interface FastOps {
  linear: (x: Tensor2D, weight: Tensor2D, bias: Tensor1D) => Tensor2D;
  matMul: (a: Tensor, b: Tensor) => Tensor;
  gelu: (x: Tensor) => Tensor;
  layerNorm: Map<number, (x: Tensor2D, gamma: Tensor1D, beta: Tensor1D) => Tensor2D>;
}

let cached: { tf: unknown; ops: FastOps } | undefined;

function swapLastAxes(x: Tensor): Tensor {
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/** The matrix products run on the native BLAS, where transposes are free. */
const onNativeBlas = () => activeNativeBlas() !== undefined;

/**
 * `op(a) · op(b)` over the last two axes (same leading axes), `op` transposing the last two when
 * asked: on the native BLAS with flags; else 2-D on XNNPACK and batched on the SIMD kernel, after
 * explicit transposes.
 */
function product(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  if (onNativeBlas()) {
    if (a.rank === 2 && b.rank === 2) {
      return tf.matMul(a as Tensor2D, b as Tensor2D, transposeA, transposeB);
    }
    const lead = a.shape.slice(0, -2);
    const batch = lead.reduce((x, y) => x * y, 1);
    const m = a.shape[a.rank - (transposeA ? 1 : 2)];
    const n = b.shape[b.rank - (transposeB ? 2 : 1)];
    return tf.tidy(() => {
      const a3 = tf.reshape(a, [batch, ...a.shape.slice(-2)]) as Tensor;
      const b3 = tf.reshape(b, [batch, ...b.shape.slice(-2)]) as Tensor;
      return tf.reshape(tf.matMul(a3, b3, transposeA, transposeB), [...lead, m, n]);
    });
  }
  if (transposeA || transposeB) {
    return tf.tidy(() =>
      product(transposeA ? swapLastAxes(a) : a, transposeB ? swapLastAxes(b) : b)
    );
  }
  if (a.rank === 2 && b.rank === 2) return tf.matMul(a as Tensor2D, b as Tensor2D);
  const lead = a.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.rank - 1];
  const batch = lead.reduce((x, y) => x * y, 1);
  return tf.tidy(() => {
    const out = tf.engine().runKernel(BATCH_MATMUL_KERNEL, {
      a: tf.reshape(a, [batch, m, k]),
      b: tf.reshape(b, [batch, k, n]),
    }) as Tensor;
    return tf.reshape(out, [...lead, m, n]);
  });
}

/** Sums over the rows of `x` `[rows, cols]`: `1ᵀ · x` on the native BLAS, else `tf.sum(x, 0)`. */
function sumRows(x: Tensor): Tensor {
  if (!onNativeBlas() || x.rank !== 2) return tf.sum(x, 0);
  return tf.tidy(() =>
    tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x as Tensor2D), [x.shape[1]!])
  );
}

function makeOps(): FastOps {
  const linear = tf.customGrad((x, weight, bias, save) => {
    const [x2, w2, b1] = [x as Tensor2D, weight as Tensor2D, bias as Tensor1D];
    (save as GradSaveFunc)([x2, w2]);
    return {
      value: tf.tidy(() =>
        onNativeBlas()
          ? tf.fused.matMul({ a: x2, b: w2, transposeB: true, bias: b1 })
          : tf.fused.matMul({ a: x2, b: tf.transpose(w2), bias: b1 })
      ),
      gradFunc: (dy: Tensor, [savedX, savedW]: Tensor[]) =>
        tf.tidy(() => [
          product(dy, savedW),
          product(dy, savedX, true),
          sumRows(dy),
        ]),
    };
  }) as unknown as FastOps["linear"];
  const matMul = tf.customGrad((a, b, save) => {
    const [ta, tb] = [a as Tensor, b as Tensor];
    (save as GradSaveFunc)([ta, tb]);
    return {
      value: product(ta, tb),
      gradFunc: (dy: Tensor, [savedA, savedB]: Tensor[]) =>
        tf.tidy(() => [
          product(dy, savedB, false, true),
          product(savedA, dy, true),
        ]),
    };
  }) as unknown as FastOps["matMul"];
  const gelu = tf.customGrad((x, save) => {
    const tx = x as Tensor;
    (save as GradSaveFunc)([tx]);
    return {
      value: tf.tidy(() => tf.mul(tf.mul(tx, tf.add(tf.erf(tf.div(tx, Math.SQRT2)), 1)), 0.5)),
      gradFunc: (dy: Tensor, [saved]: Tensor[]) =>
        tf.tidy(() => {
          const cdf = tf.mul(tf.add(tf.erf(tf.div(saved, Math.SQRT2)), 1), 0.5);
          const pdf = tf.mul(tf.exp(tf.mul(tf.square(saved), -0.5)), 1 / Math.sqrt(2 * Math.PI));
          return [tf.mul(dy, tf.add(cdf, tf.mul(saved, pdf)))];
        }),
    };
  }) as unknown as FastOps["gelu"];
  return { linear, matMul, gelu, layerNorm: new Map() };
}

function makeLayerNorm(eps: number): (x: Tensor2D, gamma: Tensor1D, beta: Tensor1D) => Tensor2D {
  return tf.customGrad((x, gamma, beta, save) => {
    const [tx, tg, tb] = [x as Tensor2D, gamma as Tensor1D, beta as Tensor1D];
    const [normalized, std] = tf.tidy(() => {
      const centered = tf.sub(tx, tf.mean(tx, -1, true));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(centered), -1, true), eps));
      return [tf.div(centered, std), std];
    });
    (save as GradSaveFunc)([normalized, std, tg]);
    return {
      value: tf.tidy(() => tf.add(tf.mul(normalized, tg), tb)),
      gradFunc: (dy: Tensor, [xHat, savedStd, savedGamma]: Tensor[]) =>
        tf.tidy(() => {
          const dxHat = tf.mul(dy, savedGamma);
          const dx = tf.div(
            tf.sub(
              tf.sub(dxHat, tf.mean(dxHat, -1, true)),
              tf.mul(xHat, tf.mean(tf.mul(dxHat, xHat), -1, true)),
            ),
            savedStd,
          );
          return [dx, sumRows(tf.mul(dy, xHat)), sumRows(dy)];
        }),
    };
  }) as unknown as (x: Tensor2D, gamma: Tensor1D, beta: Tensor1D) => Tensor2D;
}

function fastOps(): FastOps {
  if (!tf) throw new Error("tfjs is not started; call `await initTf()` first.");
  if (cached?.tf !== tf) cached = { tf, ops: makeOps() };
  return cached.ops;
}

/**
 * `nn.Linear`: `x · weightᵀ + bias` with `weight` in PyTorch's `[out, in]` layout, `x` `[rows,
 * in]`; forward and backward on XNNPACK.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { linear } from "./ops.ts";
 * const tf = await initTf();
 * const y = linear(tf.tensor2d([[1, 2]]), tf.tensor2d([[1, 0], [0, 1], [1, 1]]), tf.tensor1d([0, 0, 10]));
 * assert.deepEqual(Array.from(y.dataSync()), [1, 2, 13]);
 * ```
 */
export function linear(x: Tensor2D, weight: Tensor2D, bias: Tensor1D): Tensor2D {
  return fastOps().linear(x, weight, bias);
}

/**
 * `a · b` over the last two axes (same leading axes), without transpose flags in the forward or
 * the backward pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { matMul } from "./ops.ts";
 * const tf = await initTf();
 * const g = tf.grad((a) => tf.sum(matMul(a, tf.tensor2d([[1], [2]]))))(tf.tensor2d([[3, 4]]));
 * assert.deepEqual(Array.from(g.dataSync()), [1, 2]);
 * ```
 */
export function matMul(a: Tensor, b: Tensor): Tensor {
  return fastOps().matMul(a, b);
}

/**
 * Exact GELU, `x · (1 + erf(x/√2)) · 0.5` as the ONNX graph computes it, with a gradient that
 * keeps only `x` for the backward pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { exactGelu } from "./ops.ts";
 * const tf = await initTf();
 * const [y] = exactGelu(tf.tensor1d([1])).dataSync();
 * assert.ok(Math.abs(y - 0.8413447) < 1e-6);
 * ```
 */
export function exactGelu(x: Tensor): Tensor {
  return fastOps().gelu(x);
}

/**
 * `nn.LayerNorm` over the last axis of `x` `[rows, dim]`, decomposed as the ONNX graph writes it
 * (`(x − mean) / √(var + eps) · γ + β`), with a gradient that keeps only the normalised input and
 * the deviations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { layerNormLastAxis } from "./ops.ts";
 * const tf = await initTf();
 * const y = layerNormLastAxis(tf.tensor2d([[1, 3]]), tf.tensor1d([1, 1]), tf.tensor1d([0, 0]), 1e-12);
 * assert.deepEqual(Array.from(y.dataSync()), [-1, 1]);
 * ```
 */
export function layerNormLastAxis(
  x: Tensor2D,
  gamma: Tensor1D,
  beta: Tensor1D,
  eps: number,
): Tensor2D {
  const ops = fastOps();
  let op = ops.layerNorm.get(eps);
  if (!op) ops.layerNorm.set(eps, op = makeLayerNorm(eps));
  return op(x, gamma, beta);
}
