/**
 * Fake quantization as two kernels of the wasm backend, written in JavaScript on the backend's
 * heap: `WorkshopFakeQuantize` (`y = clamp(round(x / s), lo, hi) · s`) and its gradient
 * `WorkshopFakeQuantizeGrad` (`dy` where `round(x / s)` lies inside `[lo, hi]`, else 0).
 *
 * Composed from tfjs ops, one fake quantization allocates six tensors of the input's size
 * (quotient, rounded, clipped, product; then mask and masked gradient), and a training step keeps
 * every one of them until its gradients are done. At DistilBERT-base size (batch 16 × 128
 * tokens) that pushed the 4 GiB wasm heap to its limit and a QAT update took over a minute, most
 * of it in the allocator. These kernels allocate one output each, and the gradient recomputes its
 * mask from the input the forward pass saved instead of keeping two more tensors.
 *
 * The arithmetic is float32 throughout, as tfjs's ops compute it: `x / s` rounded to float32,
 * rounding half to even (tfjs's `round` on the wasm backend), the clamp, and the product `q · s`
 * rounded to float32. So the values are those of `lib/quant`'s `QuantizeLinear` →
 * `DequantizeLinear` element for element.
 *
 * @module
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import type { WasmHeapBackend } from "../train/gemm_kernels.ts";
import type { Tf } from "../train/mod.ts";

/** The kernel name of the forward pass (`tf.engine().runKernel(FAKE_QUANT_KERNEL, { x }, attrs)`). */
export const FAKE_QUANT_KERNEL = "WorkshopFakeQuantize";
/** The kernel name of the gradient (`runKernel(FAKE_QUANT_GRAD_KERNEL, { dy, x }, attrs)`). */
export const FAKE_QUANT_GRAD_KERNEL = "WorkshopFakeQuantizeGrad";

/**
 * The attributes of both kernels: one scale and one clamp range per channel along `axis` (or a
 * single one for the whole tensor, `axis` −1). `lo` and `hi` are `qmin − z` and `qmax − z`.
 */
export interface FakeQuantAttrs {
  scale: Float32Array;
  lo: Float32Array;
  hi: Float32Array;
  /** The channel axis, −1 for per-tensor parameters. */
  axis: number;
}

/** `round(v)` with ties to even, as tfjs's `round`. */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +∞
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Calls `each(from, to, channel)` for the runs of elements that share one channel's parameters. */
function forEachChannelRun(
  shape: readonly number[],
  axis: number,
  each: (from: number, to: number, channel: number) => void,
): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (axis < 0) return each(0, size, 0);
  const channels = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let start = 0, c = 0; start < size; start += inner, c = (c + 1) % channels) {
    each(start, start + inner, c);
  }
}

function attrsOf(attrs: NamedAttrMap | undefined): FakeQuantAttrs {
  return attrs as unknown as FakeQuantAttrs;
}

/**
 * The forward pass (`dy` undefined: `clamp(round(x / s), lo, hi) · s`) or the gradient (`dy`
 * where `round(x / s)` lies inside `[lo, hi]`, else 0), into one new float32 tensor.
 */
function fakeQuantizeOnHeap(
  backend: WasmHeapBackend,
  x: TensorInfo,
  { scale, lo, hi, axis }: FakeQuantAttrs,
  dy?: TensorInfo,
): TensorInfo {
  // The output first: allocating may grow the heap, which would detach earlier views of it.
  const out = backend.makeOutput(x.shape, "float32");
  const result = backend.typedArrayFromHeap(out) as Float32Array;
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  const grad = dy && (backend.typedArrayFromHeap(dy) as Float32Array);
  const f = Math.fround;
  forEachChannelRun(x.shape, axis, (from, to, c) => {
    const s = scale[c], low = lo[c], high = hi[c];
    for (let i = from; i < to; i++) {
      const q = roundHalfEven(f(values[i] / s));
      if (grad) result[i] = q >= low && q <= high ? grad[i] : 0;
      else result[i] = (q < low ? low : q > high ? high : q) * s;
    }
  });
  return out;
}

const fakeQuantizeKernel: KernelFunc = ({ inputs, attrs, backend }) =>
  fakeQuantizeOnHeap(
    backend as unknown as WasmHeapBackend,
    (inputs as { x: TensorInfo }).x,
    attrsOf(attrs),
  );

const fakeQuantizeGradKernel: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  return fakeQuantizeOnHeap(backend as unknown as WasmHeapBackend, x, attrsOf(attrs), dy);
};

/**
 * Registers the two fake-quantization kernels on the `wasm` backend, unless tfjs already has them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "../train/mod.ts";
 * import { FAKE_QUANT_KERNEL, registerFakeQuantKernels } from "./fake_quant_kernel.ts";
 * const tf = await initTf();
 * registerFakeQuantKernels(tf);
 * const attrs = { scale: Float32Array.of(0.5), lo: Float32Array.of(-2), hi: Float32Array.of(2), axis: -1 };
 * // deno-lint-ignore no-explicit-any
 * const y = tf.engine().runKernel(FAKE_QUANT_KERNEL, { x: tf.tensor1d([0.25, 0.3, 0.75, 5]) }, attrs as any) as any;
 * assert.deepEqual(Array.from(y.dataSync()), [0, 0.5, 1, 1]); // 0.5 and 1.5 round to even; 5 saturates
 * ```
 */
export function registerFakeQuantKernels(tf: Tf): void {
  const configs: KernelConfig[] = [
    { kernelName: FAKE_QUANT_KERNEL, backendName: "wasm", kernelFunc: fakeQuantizeKernel },
    { kernelName: FAKE_QUANT_GRAD_KERNEL, backendName: "wasm", kernelFunc: fakeQuantizeGradKernel },
  ];
  for (const config of configs) {
    if (!tf.getKernel(config.kernelName, "wasm")) tf.registerKernel(config);
  }
}
