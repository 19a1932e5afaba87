/**
 * Reference integer matrix products with ONNX semantics, to test quantized graphs against:
 * `MatMulInteger` (int32 accumulation of zero-point-shifted int8/uint8 products) and
 * `QLinearMatMul` (the same, requantized to int8/uint8 in float32 with ties-to-even rounding and
 * saturation, as ONNX Runtime's CPU kernel does). Shapes follow numpy `matmul`: 1-D operands are
 * promoted, leading (batch) dimensions broadcast.
 *
 * @module
 */

import {
  assertShape,
  QuantParamsError,
  type QuantType,
  roundHalfToEven,
  typeRange,
} from "./params.ts";
import type { QuantizedArray } from "./qdq_ops.ts";
import type { U8S8Accumulation } from "../runtime/cpu_features.ts";

/** Options of {@link matMulInteger}. */
export interface MatMulIntegerOptions {
  a: QuantizedArray;
  aDims: readonly number[];
  b: QuantizedArray;
  bDims: readonly number[];
  /** Zero point of `a`: one (per tensor) or one per row (M values); default 0. */
  aZeroPoint?: ArrayLike<number> | number;
  /** Zero point of `b`: one (per tensor) or one per column (N values); default 0. */
  bZeroPoint?: ArrayLike<number> | number;
  /**
   * How uint8 × int8 products accumulate: `"int32"` (default; ONNX's semantics, and ORT's on
   * CPUs with VNNI) or `"int16-pairs"` (ORT on x86 without VNNI: neighbouring products along K
   * are summed in int16 with saturation; see `u8s8Accumulation` in lib/runtime). Other type
   * pairs always accumulate in int32.
   */
  accumulation?: U8S8Accumulation;
}

/** A matrix product's data and dimensions. */
export interface MatMulResult<T> {
  y: T;
  dims: number[];
}

/**
 * ONNX `MatMulInteger`: `y = Σ_k (a[m,k] - aZeroPoint) * (b[k,n] - bZeroPoint)`, accumulated in
 * int32 (wrapping on overflow like the C++ kernels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matMulInteger } from "./integer_matmul.ts";
 * const { y, dims } = matMulInteger({
 *   a: new Uint8Array([11, 7, 3, 10, 6, 2]), aDims: [2, 3], aZeroPoint: 12,
 *   b: new Uint8Array([1, 4, 2, 5, 3, 6]), bDims: [3, 2], bZeroPoint: 0,
 * });
 * assert.deepEqual(dims, [2, 2]);
 * assert.deepEqual([...y], [-38, -83, -44, -98]);
 * ```
 */
export function matMulInteger(options: MatMulIntegerOptions): MatMulResult<Int32Array> {
  const shape = matMulShape("matMulInteger", options);
  const aZp = perIndex("matMulInteger", "aZeroPoint", options.aZeroPoint ?? 0, shape.M, "rows");
  const bZp = perIndex("matMulInteger", "bZeroPoint", options.bZeroPoint ?? 0, shape.N, "columns");
  const y = integerProduct(options, shape, aZp, bZp);
  return { y, dims: shape.outDims };
}

/** Options of {@link qlinearMatMul}. */
export interface QLinearMatMulOptions extends MatMulIntegerOptions {
  /** Scale of `a`: one, or one per row (M values). */
  aScale: ArrayLike<number> | number;
  /** Scale of `b`: one, or one per column (N values). */
  bScale: ArrayLike<number> | number;
  /** Scale of the output (per tensor). */
  yScale: number;
  /** Zero point of the output (per tensor); default 0. */
  yZeroPoint?: number;
  /** Output type; default the type of `a`. */
  yType?: QuantType;
}

/**
 * ONNX `QLinearMatMul`: the {@link matMulInteger} accumulator requantized to the output type,
 * `y = saturate(roundHalfToEven(float32(acc) * (aScale * bScale / yScale)) + yZeroPoint)`, all
 * in float32 as ONNX Runtime's CPU kernel computes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qlinearMatMul } from "./integer_matmul.ts";
 * const { y } = qlinearMatMul({
 *   a: new Uint8Array([130, 140]), aDims: [1, 2], aScale: 0.5, aZeroPoint: 128,
 *   b: new Int8Array([4, -8]), bDims: [2, 1], bScale: 0.25, bZeroPoint: 0,
 *   yScale: 1, yZeroPoint: 10,
 * });
 * // (2 * 4 + 12 * -8) * 0.5 * 0.25 = -11 → -11 + 10 = -1 → saturated to 0 (uint8)
 * assert.deepEqual([...y], [0]);
 * ```
 */
export function qlinearMatMul(options: QLinearMatMulOptions): MatMulResult<QuantizedArray> {
  const where = "qlinearMatMul";
  const shape = matMulShape(where, options);
  const { M, N } = shape;
  const aZp = perIndex(where, "aZeroPoint", options.aZeroPoint ?? 0, M, "rows");
  const bZp = perIndex(where, "bZeroPoint", options.bZeroPoint ?? 0, N, "columns");
  const aScale = perIndex(where, "aScale", options.aScale, M, "rows");
  const bScale = perIndex(where, "bScale", options.bScale, N, "columns");
  const f = Math.fround;
  const yScale = f(options.yScale);
  const yZp = options.yZeroPoint ?? 0;
  const yType = options.yType ?? (options.a instanceof Int8Array ? "int8" : "uint8");
  const { qmin, qmax } = typeRange(yType);
  const acc = integerProduct(options, shape, aZp, bZp);
  const y = yType === "int8" ? new Int8Array(acc.length) : new Uint8Array(acc.length);
  const multiplier = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    const sa = f(aScale[aScale.length === 1 ? 0 : m]);
    for (let n = 0; n < N; n++) {
      multiplier[m * N + n] = f(f(sa * f(bScale[bScale.length === 1 ? 0 : n])) / yScale);
    }
  }
  for (let i = 0; i < acc.length; i++) {
    const v = f(f(acc[i]) * multiplier[i % (M * N)]);
    let q = v !== v ? qmin : roundHalfToEven(v) + yZp;
    if (q < qmin) q = qmin;
    else if (q > qmax) q = qmax;
    y[i] = q;
  }
  return { y, dims: shape.outDims };
}

interface MatMulShape {
  M: number;
  K: number;
  N: number;
  /** Flat offsets of each broadcast batch's matrix in `a`, `b` and the output. */
  aOffsets: number[];
  bOffsets: number[];
  outDims: number[];
}

function matMulShape(where: string, options: MatMulIntegerOptions): MatMulShape {
  const { aDims, bDims } = options;
  if (aDims.length === 0 || bDims.length === 0) {
    throw new QuantParamsError(
      `${where}: operands must have rank ≥ 1 (got [${aDims}] and [${bDims}]).`,
    );
  }
  assertShape(`${where} (a)`, options.a.length, aDims);
  assertShape(`${where} (b)`, options.b.length, bDims);
  const a2 = aDims.length === 1 ? [1, aDims[0]] : [...aDims];
  const b2 = bDims.length === 1 ? [bDims[0], 1] : [...bDims];
  const M = a2[a2.length - 2];
  const K = a2[a2.length - 1];
  const N = b2[b2.length - 1];
  if (b2[b2.length - 2] !== K) {
    throw new QuantParamsError(
      `${where}: inner dimensions differ, a [${aDims}] has K = ${K} but b [${bDims}] has ` +
        `${b2[b2.length - 2]}; transpose b or fix its dims.`,
    );
  }
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const rank = Math.max(aBatch.length, bBatch.length);
  const pad = (d: number[]) => [...new Array(rank - d.length).fill(1), ...d];
  const ab = pad(aBatch);
  const bb = pad(bBatch);
  const batch = ab.map((d, i) => {
    if (d !== bb[i] && d !== 1 && bb[i] !== 1) {
      throw new QuantParamsError(
        `${where}: batch dimensions of a [${aDims}] and b [${bDims}] do not broadcast.`,
      );
    }
    return d === 1 ? bb[i] : d;
  });
  const count = batch.reduce((x, y) => x * y, 1);
  const aOffsets: number[] = [];
  const bOffsets: number[] = [];
  const index = new Array(rank).fill(0);
  for (let t = 0; t < count; t++) {
    let ao = 0;
    let bo = 0;
    for (let d = 0; d < rank; d++) {
      ao = ao * ab[d] + (ab[d] === 1 ? 0 : index[d]);
      bo = bo * bb[d] + (bb[d] === 1 ? 0 : index[d]);
    }
    aOffsets.push(ao * M * K);
    bOffsets.push(bo * K * N);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < batch[d]) break;
      index[d] = 0;
    }
  }
  const outDims = [...batch];
  if (aDims.length > 1) outDims.push(M);
  if (bDims.length > 1) outDims.push(N);
  return { M, K, N, aOffsets, bOffsets, outDims };
}

function integerProduct(
  options: MatMulIntegerOptions,
  shape: MatMulShape,
  aZp: Float64Array,
  bZp: Float64Array,
): Int32Array {
  const { a, b } = options;
  if (options.accumulation === "int16-pairs" && a instanceof Uint8Array && b instanceof Int8Array) {
    return pairSaturatedProduct(a, b, shape, aZp, bZp);
  }
  const { M, K, N, aOffsets, bOffsets } = shape;
  const y = new Int32Array(aOffsets.length * M * N);
  const bCentered = new Int32Array(K * N);
  for (let t = 0; t < aOffsets.length; t++) {
    const bo = bOffsets[t];
    for (let k = 0; k < K; k++) {
      for (let n = 0; n < N; n++) {
        bCentered[k * N + n] = b[bo + k * N + n] - bZp[bZp.length === 1 ? 0 : n];
      }
    }
    const ao = aOffsets[t];
    const yo = t * M * N;
    for (let m = 0; m < M; m++) {
      const zp = aZp[aZp.length === 1 ? 0 : m];
      const row = yo + m * N;
      for (let k = 0; k < K; k++) {
        const av = a[ao + m * K + k] - zp;
        if (av === 0) continue;
        const bk = k * N;
        // Int32Array stores wrap modulo 2^32, as int32 accumulation does.
        for (let n = 0; n < N; n++) y[row + n] += av * bCentered[bk + n];
      }
    }
  }
  return y;
}

const saturateInt16 = (v: number) => v > 32767 ? 32767 : v < -32768 ? -32768 : v;

/**
 * u8 × s8 as ORT's AVX2 kernel computes it: the raw products of neighbouring k (0–1, 2–3, …)
 * summed in int16 with saturation, then accumulated; the zero points enter afterwards as exact
 * row/column-sum corrections.
 */
function pairSaturatedProduct(
  a: Uint8Array,
  b: Int8Array,
  shape: MatMulShape,
  aZp: Float64Array,
  bZp: Float64Array,
): Int32Array {
  const { M, K, N, aOffsets, bOffsets } = shape;
  const y = new Int32Array(aOffsets.length * M * N);
  for (let t = 0; t < aOffsets.length; t++) {
    const [ao, bo, yo] = [aOffsets[t], bOffsets[t], t * M * N];
    for (let m = 0; m < M; m++) {
      const za = aZp[aZp.length === 1 ? 0 : m];
      let rowSum = 0;
      for (let k = 0; k < K; k++) rowSum += a[ao + m * K + k];
      for (let n = 0; n < N; n++) {
        const zb = bZp[bZp.length === 1 ? 0 : n];
        let raw = 0;
        let colSum = 0;
        for (let k = 0; k < K; k += 2) {
          const b0 = b[bo + k * N + n];
          const b1 = k + 1 < K ? b[bo + (k + 1) * N + n] : 0;
          const a1 = k + 1 < K ? a[ao + m * K + k + 1] : 0;
          raw += saturateInt16(a[ao + m * K + k] * b0 + a1 * b1);
          colSum += b0 + b1;
        }
        y[yo + m * N + n] = raw - za * colSum - zb * rowSum + K * za * zb;
      }
    }
  }
  return y;
}

function perIndex(
  where: string,
  name: string,
  value: ArrayLike<number> | number,
  count: number,
  what: string,
): Float64Array {
  const values = Float64Array.from(typeof value === "number" ? [value] : value);
  if (values.length !== 1 && values.length !== count) {
    throw new QuantParamsError(
      `${where}: ${name} has ${values.length} values; pass one (per tensor) or ${count} ` +
        `(one per ${what.slice(0, -1)} of the ${count} ${what}).`,
    );
  }
  return values;
}
