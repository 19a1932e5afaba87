/**
 * Kernels the tfjs wasm backend lacks but training needs, registered on it:
 *
 * - `UnsortedSegmentSum` is what the gradient of `tf.gather` (embedding lookups) runs; the wasm
 *   package has no such kernel, so it is computed here in JavaScript on the backend's heap.
 * - `WorkshopBatchMatMul` (`[batch, m, k] · [batch, k, n]`) runs the batched products of
 *   attention on the native BLAS when `gemm.ts` chose it, else on the SIMD kernel of
 *   `simd_matmul.ts`, about 7× faster than the wasm backend's own batched `BatchMatMul`.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs";
import type { Tf } from "./backend.ts";
import { activeNativeBlas } from "./gemm.ts";
import { nativeProduct, type WasmHeapBackend } from "./gemm_kernels.ts";
import { batchMatMul } from "./simd_matmul.ts";

/** The kernel name of the SIMD batched product (`tf.engine().runKernel(BATCH_MATMUL_KERNEL, { a, b })`). */
export const BATCH_MATMUL_KERNEL = "WorkshopBatchMatMul";

/** The subset of the wasm backend's interface a JavaScript kernel uses. */
interface WasmBackendLike {
  readSync(dataId: unknown): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * `out[segmentIds[i], …] += x[i, …]`, ids outside `[0, numSegments)` dropped (TensorFlow's rule).
 * `x` is `[…segmentIds.shape, …inner]`.
 */
const unsortedSegmentSum: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const wasm = backend as unknown as WasmBackendLike;
  const values = wasm.readSync(x.dataId);
  const ids = wasm.readSync(segmentIds.dataId);
  const outer = ids.length;
  const inner = outer === 0 ? 0 : values.length / outer;
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = wasm.makeOutput(shape, x.dtype);
  const sums = wasm.typedArrayFromHeap(out);
  sums.fill(0);
  for (let i = 0; i < outer; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * inner;
    const to = segment * inner;
    for (let j = 0; j < inner; j++) sums[to + j] += values[from + j];
  }
  return out;
};

/** `[batch, m, k] · [batch, k, n]` on the native BLAS, or the SIMD kernel. */
const simdBatchMatMul: KernelFunc = ({ inputs, backend }) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const wasm = backend as unknown as WasmBackendLike;
  const [batch, m, k] = a.shape;
  const n = b.shape[2];
  if (a.shape.length !== 3 || b.shape.length !== 3 || b.shape[0] !== batch || b.shape[1] !== k) {
    throw new RangeError(
      `${BATCH_MATMUL_KERNEL} multiplies [batch, m, k] by [batch, k, n]; got [${a.shape}] and [${b.shape}].`,
    );
  }
  const blas = activeNativeBlas();
  const native = blas && nativeProduct(blas, backend as unknown as WasmHeapBackend, { a, b });
  if (native) return native;
  // The output first: allocating may grow the heap, which would detach earlier views of it.
  const out = wasm.makeOutput([batch, m, n], "float32");
  batchMatMul(
    wasm.typedArrayFromHeap(a) as Float32Array,
    wasm.typedArrayFromHeap(b) as Float32Array,
    { batch, m, k, n, out: wasm.typedArrayFromHeap(out) as Float32Array },
  );
  return out;
};

/**
 * Registers the kernels of this file on the `wasm` backend, unless tfjs already has them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * const tf = await initTf(); // registers them
 * const sums = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([1, 0, 1], "int32"), 2);
 * assert.deepEqual(Array.from(sums.dataSync()), [3, 4, 6, 8]);
 * ```
 */
export function registerMissingWasmKernels(tf: Tf): void {
  const configs: KernelConfig[] = [
    { kernelName: "UnsortedSegmentSum", backendName: "wasm", kernelFunc: unsortedSegmentSum },
    { kernelName: BATCH_MATMUL_KERNEL, backendName: "wasm", kernelFunc: simdBatchMatMul },
  ];
  for (const config of configs) {
    if (!tf.getKernel(config.kernelName, "wasm")) tf.registerKernel(config);
  }
}
