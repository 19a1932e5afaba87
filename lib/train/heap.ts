/**
 * The WebAssembly heap of tfjs's wasm backend, and a warning before it runs out.
 *
 * Every tensor of a training step lives on one WebAssembly heap of at most 4 GiB, and a step keeps
 * its forward pass's tensors until the gradients are done. With DistilBERT-base, plain training at
 * batch 16 × 128 tokens grows it to about 3.7 GiB. Near the limit the backend does not fail
 * cleanly: the threaded build spends minutes in its allocator per step, the single-threaded one
 * stops with "memory access out of bounds". The training loop therefore warns once when the heap
 * has grown past {@link HEAP_WARNING_SHARE} of the limit, with the fix: smaller batches.
 *
 * @module
 */
import { tf } from "./backend.ts";

/** The wasm backend's heap limit: 4 GiB, the most a 32-bit WebAssembly memory can address. */
export const WASM_HEAP_LIMIT_BYTES = 2 ** 32;

/** The share of {@link WASM_HEAP_LIMIT_BYTES} past which training warns. */
export const HEAP_WARNING_SHARE = 0.85;

/**
 * The size of the wasm backend's heap now, in bytes: the most it has held so far, since a
 * WebAssembly memory never shrinks. 0 when tfjs is not started on the wasm backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { wasmHeapBytes } from "./heap.ts";
 * await initTf();
 * assert.ok(wasmHeapBytes() > 0);
 * ```
 */
export function wasmHeapBytes(): number {
  if (!tf) return 0;
  const backend = tf.backend() as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.length ?? 0;
}

/** What {@link heapWarning} is told about the heap and the batch that grew it. */
export interface HeapWarningOptions {
  /** The heap's size (see {@link wasmHeapBytes}). */
  bytes: number;
  /** Rows of the batch just trained. */
  batchSize: number;
  /** Tokens per row of that batch, padding included. */
  seqLen: number;
  /** The limit (default {@link WASM_HEAP_LIMIT_BYTES}). */
  limitBytes?: number;
}

/**
 * The warning to print when the heap has grown past {@link HEAP_WARNING_SHARE} of its limit, else
 * undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { heapWarning } from "./heap.ts";
 * assert.equal(heapWarning({ bytes: 2 * 2 ** 30, batchSize: 16, seqLen: 128 }), undefined);
 * assert.match(heapWarning({ bytes: 3.7 * 2 ** 30, batchSize: 16, seqLen: 128 })!, /3\.7 GiB of its 4 GiB/);
 * ```
 */
export function heapWarning(options: HeapWarningOptions): string | undefined {
  const { bytes, batchSize, seqLen, limitBytes = WASM_HEAP_LIMIT_BYTES } = options;
  if (bytes < HEAP_WARNING_SHARE * limitBytes) return undefined;
  const gib = (n: number) => `${Number((n / 2 ** 30).toFixed(1))} GiB`;
  return `train: the WebAssembly heap has grown to ${gib(bytes)} of its ${gib(limitBytes)} ` +
    `limit (last batch ${batchSize} × ${seqLen} tokens); at the limit a step takes minutes or ` +
    `fails with "memory access out of bounds". Lower batchSize (or the sequence length) for ` +
    `this model.`;
}
