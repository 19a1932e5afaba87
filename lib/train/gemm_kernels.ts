/**
 * The tfjs wasm backend's matrix-product kernels (`BatchMatMul`, `_FusedMatMul`) routed to the
 * native BLAS when {@link selectGemm} chose it, and to the backend's own kernels otherwise.
 *
 * A native product reads its operands and writes its result on the wasm heap in place (the FFI
 * passes the heap views' addresses): transposes are BLAS flags, a rank-1 bias is written into the
 * output rows before `cblas_sgemm` adds the product (`beta = 1`), batches loop over
 * `cblas_sgemm`, and a batch against one 2-D right-hand side is one product of stacked rows.
 * Anything else — other dtypes, activations other than `linear`, PReLU weights, batch shapes that
 * broadcast axis by axis — runs the wasm backend's kernel.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import type { Tf } from "./backend.ts";
import { activeNativeBlas } from "./gemm.ts";
import type { NativeBlas } from "./native_blas.ts";

/** The subset of the wasm backend's interface the kernels use. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A product `op(a) · op(b) (+ bias)` over the last two axes, batch axes broadcast. */
export interface NativeProduct {
  a: TensorInfo;
  b: TensorInfo;
  transposeA?: boolean;
  transposeB?: boolean;
  /** Rank 1, one value per output column (or one for all). */
  bias?: TensorInfo;
}

/**
 * Below this many multiply-adds per product, a batched product runs the BLAS on one thread: waking
 * the library's threads for each small attention product costs more than it saves (and much more
 * on a busy machine).
 */
const SMALL_PRODUCT_MACS = 1 << 21;

const size = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

/**
 * Computes `product` on `blas` into a new output on the wasm heap, or returns undefined when the
 * product is not one the native path takes (the caller runs the wasm kernel instead).
 */
export function nativeProduct(
  blas: NativeBlas,
  backend: WasmHeapBackend,
  product: NativeProduct,
): TensorInfo | undefined {
  const { a, b, bias, transposeA = false, transposeB = false } = product;
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) {
    return undefined;
  }
  if (bias && (bias.dtype !== "float32" || bias.shape.length !== 1)) return undefined;
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new RangeError(
      `matMul: inner sizes ${k} and ${kb} of [${a.shape}] and [${b.shape}] ` +
        `(transposeA ${transposeA}, transposeB ${transposeB}) differ.`,
    );
  }
  if (bias && bias.shape[0] !== n && bias.shape[0] !== 1) return undefined;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const [batchA, batchB] = [size(outerA), size(outerB)];
  let outer: number[];
  if (batchA === batchB && sameShape(outerA, outerB)) outer = outerA;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else return undefined;
  const batch = Math.max(batchA, batchB);
  // The output first: allocating may grow the heap, which detaches earlier views of it.
  const out = backend.makeOutput([...outer, m, n], "float32");
  const c = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(a) as Float32Array;
  const y = backend.typedArrayFromHeap(b) as Float32Array;
  if (c.length === 0) return out;
  let beta = 0;
  if (bias) {
    fillRows(c, backend.typedArrayFromHeap(bias) as Float32Array, n);
    beta = 1;
  }
  if (batchB === 1 && !transposeA) {
    // [batch·m, k] · [k, n]: one product of stacked rows.
    blas.sgemm({ m: batch * m, n, k, a: x, b: y, c, transB: transposeB, beta });
    return out;
  }
  const small = m * n * k < SMALL_PRODUCT_MACS && batch > 1;
  const threads = blas.threads;
  if (small && threads !== undefined && threads > 1) blas.setThreads(1);
  try {
    blas.sgemmBatch({
      batch,
      m,
      n,
      k,
      a: x,
      b: y,
      c,
      transA: transposeA,
      transB: transposeB,
      beta,
      strideA: batchA === 1 ? 0 : m * k,
      strideB: batchB === 1 ? 0 : k * n,
    });
  } finally {
    if (small && threads !== undefined && threads > 1) blas.setThreads(threads);
  }
  return out;
}

function sameShape(x: number[], y: number[]): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Writes `bias` (length n, or 1) into every n-wide row of `c`. */
function fillRows(c: Float32Array, bias: Float32Array, n: number): void {
  if (bias.length === 1) {
    c.fill(bias[0]);
    return;
  }
  for (let at = 0; at < c.length; at += n) c.set(bias, at);
}

/** Marks the kernels of this module, so registering twice does not wrap a wrapper. */
const ROUTED = Symbol("routedToNativeBlas");

function routed(original: KernelConfig, native: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) =>
    (activeNativeBlas() && native(args)) || original.kernelFunc(args);
  Object.defineProperty(kernelFunc, ROUTED, { value: true });
  return { ...original, kernelFunc };
}

const batchMatMul: KernelFunc = ({ inputs, attrs, backend }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  return nativeProduct(activeNativeBlas()!, backend as unknown as WasmHeapBackend, {
    a,
    b,
    transposeA,
    transposeB,
  }) as TensorInfo;
};

const fusedMatMul: KernelFunc = ({ inputs, attrs, backend }) => {
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
  const { transposeA, transposeB, activation } = attrs as {
    transposeA: boolean;
    transposeB: boolean;
    activation?: string;
  };
  if (preluActivationWeights || (activation && activation !== "linear")) {
    return undefined as unknown as TensorInfo;
  }
  return nativeProduct(activeNativeBlas()!, backend as unknown as WasmHeapBackend, {
    a: a!,
    b: b!,
    bias,
    transposeA,
    transposeB,
  }) as TensorInfo;
};

/**
 * Replaces the wasm backend's `BatchMatMul` and `_FusedMatMul` by kernels that run on the native
 * BLAS while {@link selectGemm} has it active, and on the original kernels otherwise (idempotent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { selectGemm } from "./gemm.ts";
 * const tf = await initTf(); // routes them
 * const running = selectGemm({ gemm: "wasm" }).backend;
 * const a = tf.tensor2d([[1, 2]]);
 * const b = tf.tensor2d([[3], [4]]);
 * assert.deepEqual(Array.from(tf.matMul(a, b).dataSync()), [11]); // the wasm backend's kernel
 * selectGemm({ gemm: running });
 * assert.deepEqual(Array.from(tf.matMul(a, b).dataSync()), [11]); // the running one
 * ```
 */
export function routeMatMulKernels(tf: Tf): void {
  const kernels: [string, KernelFunc][] = [
    ["BatchMatMul", batchMatMul],
    ["_FusedMatMul", fusedMatMul],
  ];
  for (const [name, native] of kernels) {
    const original = tf.getKernel(name, "wasm");
    if (!original || ROUTED in original.kernelFunc) continue;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel(routed(original, native));
  }
}
