/**
 * GPTQ (Frantar et al., 2023, "GPTQ: Accurate Post-Training Quantization for Generative
 * Pre-trained Transformers"): quantize a linear layer's weight one input column at a time and
 * spread each column's rounding error over the columns not yet quantized, weighted by the inverse
 * Hessian `H = Σ x xᵀ` of the layer's inputs on calibration data, so the layer's *output* error
 * `‖X·W − X·Ŵ‖²` is what gets minimized, not the weight error. Block-wise: a block's scale and
 * zero point are chosen when the first column of the block is reached, from the weights as the
 * earlier columns' corrections left them.
 *
 * @module
 */

import {
  blockGrid,
  type BlockQuantized,
  type BlockQuantOptions,
  packBlockwise,
  quantizeToLevel,
  setBlockParams,
} from "./block_quant.ts";

/** Options of {@link gptqQuantize}. */
export interface GptqOptions extends BlockQuantOptions {
  /** Damping added to H's diagonal, as a share of its mean (default 0.01). */
  damp?: number;
}

/** The Hessian could not be inverted even with more damping. */
export class GptqError extends Error {
  override name = "GptqError";
}

/**
 * GPTQ block quantization of a `[K, N]` weight (row-major, a `MatMul`'s B) given `hessian`, the
 * `K × K` matrix `Σ x xᵀ` of the layer's inputs (row-major; any positive multiple works). Returns
 * the same packed layout as `quantizeBlockwise`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gptqQuantize } from "./gptq.ts";
 * import { dequantizeBlockwise, quantizeBlockwise } from "./block_quant.ts";
 * const k = 16, n = 4, rows = 64;
 * const x = Float64Array.from({ length: rows * k }, (_, i) => Math.sin(i * 0.7) + (i % k === 3 ? 2 : 0));
 * const h = new Float64Array(k * k);
 * for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) h[i * k + j] += x[r * k + i] * x[r * k + j];
 * const w = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 1.3));
 * const outErr = (wq: Float32Array) => {
 *   let e = 0;
 *   for (let r = 0; r < rows; r++) for (let c = 0; c < n; c++) {
 *     let d = 0;
 *     for (let i = 0; i < k; i++) d += x[r * k + i] * (w[i * n + c] - wq[i * n + c]);
 *     e += d * d;
 *   }
 *   return e;
 * };
 * const opts = { bits: 4, blockSize: 16 } as const;
 * const gptq = outErr(dequantizeBlockwise(gptqQuantize(w, h, { k, n }, opts)));
 * const rtn = outErr(dequantizeBlockwise(quantizeBlockwise(w, { k, n }, opts)));
 * assert.ok(gptq < rtn, `${gptq} vs ${rtn}`);
 * ```
 */
export function gptqQuantize(
  weight: Float32Array,
  hessian: Float64Array,
  shape: { k: number; n: number },
  options: GptqOptions,
): BlockQuantized {
  const grid = blockGrid(shape, options);
  const { k, n, bits, blockSize, blocks, scales, zeroPoints, levels } = grid;
  // W as [N, K]: one row per output feature, the columns quantized left to right.
  const w = new Float64Array(n * k);
  for (let i = 0; i < k; i++) for (let c = 0; c < n; c++) w[c * k + i] = weight[i * n + c];
  const h = Float64Array.from(hessian);
  for (let i = 0; i < k; i++) {
    if (h[i * k + i] === 0) {
      h[i * k + i] = 1;
      for (let c = 0; c < n; c++) w[c * k + i] = 0;
    }
  }
  const u = inverseHessianFactor(h, k, options.damp ?? 0.01);
  const row = new Float64Array(blockSize);
  for (let i = 0; i < k; i++) {
    const b = Math.floor(i / blockSize);
    const offset = i - b * blockSize;
    if (offset === 0) {
      const len = Math.min(blockSize, k - i);
      for (let c = 0; c < n; c++) {
        for (let j = 0; j < len; j++) row[j] = w[c * k + i + j];
        const p = setBlockParams(grid, { col: c, block: b, values: row.subarray(0, len) });
        levels.fill(p.zeroPoint, (c * blocks + b) * blockSize, (c * blocks + b + 1) * blockSize);
      }
    }
    const d = u[i * k + i];
    for (let c = 0; c < n; c++) {
      const scale = scales[c * blocks + b];
      const zp = zeroPoints[c * blocks + b];
      const value = w[c * k + i];
      const level = quantizeToLevel(value, scale, zp, bits);
      levels[(c * blocks + b) * blockSize + offset] = level;
      const err = (value - Math.fround((level - zp) * scale)) / d;
      const base = c * k;
      for (let j = i + 1; j < k; j++) w[base + j] -= err * u[i * k + j];
    }
  }
  return packBlockwise(grid);
}

/**
 * The upper Cholesky factor U of `(H + λI)⁻¹` (`(H + λI)⁻¹ = UᵀU`), λ = `damp` × mean diagonal,
 * doubling the damping until H is positive definite.
 */
function inverseHessianFactor(h: Float64Array, k: number, damp: number): Float64Array {
  let mean = 0;
  for (let i = 0; i < k; i++) mean += h[i * k + i];
  mean /= k;
  for (let attempt = 0, d = damp; attempt < 8; attempt++, d *= 4) {
    const a = Float64Array.from(h);
    for (let i = 0; i < k; i++) a[i * k + i] += d * mean;
    const l = cholesky(a, k);
    if (!l) continue;
    const inv = inverseFromCholesky(l, k);
    const l2 = cholesky(inv, k);
    if (!l2) continue;
    return transpose(l2, k);
  }
  throw new GptqError(
    `the ${k}×${k} Hessian of the layer's inputs is not positive definite even with damping ` +
      `${damp}×4⁷; give more calibration rows or a larger damp.`,
  );
}

/** Lower Cholesky factor of a symmetric `k × k` matrix, or undefined if not positive definite. */
function cholesky(a: Float64Array, k: number): Float64Array | undefined {
  const l = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let s = a[j * k + j];
    for (let p = 0; p < j; p++) s -= l[j * k + p] * l[j * k + p];
    if (!(s > 0)) return undefined;
    const d = Math.sqrt(s);
    l[j * k + j] = d;
    for (let i = j + 1; i < k; i++) {
      let t = a[i * k + j];
      const li = i * k;
      const lj = j * k;
      for (let p = 0; p < j; p++) t -= l[li + p] * l[lj + p];
      l[i * k + j] = t / d;
    }
  }
  return l;
}

/**
 * `(L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹` from the lower factor L. Both products run row by row over contiguous
 * memory (a k × k matrix of a wide Linear is larger than the CPU's cache); every entry sums the
 * same terms in the same order as the textbook column-by-column loops, so the result is the same
 * to the last bit.
 */
function inverseFromCholesky(l: Float64Array, k: number): Float64Array {
  // M = L⁻¹ (lower triangular), by forward substitution: row i needs the rows above it,
  // m[i, c] = −(Σ_{p=c}^{i−1} l[i, p] m[p, c]) / l[i, i], p ascending.
  const m = new Float64Array(k * k);
  const s = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    s.fill(0, 0, i);
    const li = i * k;
    for (let p = 0; p < i; p++) {
      const lip = l[li + p];
      const mp = p * k;
      for (let c = 0; c <= p; c++) s[c] += lip * m[mp + c];
    }
    const d = l[li + i];
    for (let c = 0; c < i; c++) m[li + c] = -s[c] / d;
    m[li + i] = 1 / d;
  }
  // Mᵀ M, symmetric: entry (i, j ≥ i) = Σ_{p=j}^{k−1} m[p, i] m[p, j], p ascending.
  const out = new Float64Array(k * k);
  for (let p = 0; p < k; p++) {
    const mp = p * k;
    for (let i = 0; i <= p; i++) {
      const mpi = m[mp + i];
      const oi = i * k;
      for (let j = i; j <= p; j++) out[oi + j] += mpi * m[mp + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out[j * k + i] = out[i * k + j];
  return out;
}

function transpose(a: Float64Array, k: number): Float64Array {
  const t = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) t[j * k + i] = a[i * k + j];
  return t;
}
