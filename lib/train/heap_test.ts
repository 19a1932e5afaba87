import assert from "node:assert/strict";
import { initTf } from "./backend.ts";
import { HEAP_WARNING_SHARE, heapWarning, WASM_HEAP_LIMIT_BYTES, wasmHeapBytes } from "./heap.ts";

Deno.test("heapWarning: silent below 85% of the 4 GiB heap, at and past it names the batch and the fix", () => {
  const at = HEAP_WARNING_SHARE * WASM_HEAP_LIMIT_BYTES;
  assert.equal(heapWarning({ bytes: at - 1, batchSize: 16, seqLen: 96 }), undefined);
  const warning = heapWarning({ bytes: at, batchSize: 16, seqLen: 96 });
  assert.equal(
    warning,
    "train: the WebAssembly heap has grown to 3.4 GiB of its 4 GiB limit (last batch 16 × 96 " +
      'tokens); at the limit a step takes minutes or fails with "memory access out of bounds". ' +
      "Lower batchSize (or the sequence length) for this model.",
  );
  assert.match(
    heapWarning({ bytes: 900, batchSize: 2, seqLen: 8, limitBytes: 1000 })!,
    /0 GiB of its 0 GiB limit \(last batch 2 × 8 tokens\)/,
  );
});

Deno.test("wasmHeapBytes: the wasm backend's memory, a whole number of 64 KiB pages, grows with a tensor", async () => {
  const tf = await initTf();
  const before = wasmHeapBytes();
  assert.equal(before % 65536, 0);
  const big = tf.zeros([before / 4 + 1024]); // more floats than the heap holds now
  assert.ok(wasmHeapBytes() > before);
  big.dispose();
});
