/**
 * Safe readers of PyTorch checkpoints: `pytorch_model.bin` in the zip (torch ≥ 1.6) and legacy
 * (torch < 1.6) serializations, through a pickle interpreter that never executes code and accepts
 * only an allow-list of globals. The result is the kit's `WeightMap` (float32 tensors by
 * state-dict name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unpickle, UnsafePickleError } from "./mod.ts";
 * const evil = new TextEncoder().encode("cposix\nsystem\n(S'rm -rf /'\ntR.");
 * assert.throws(() => unpickle(evil), UnsafePickleError);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./dtype.ts";
export * from "./unpickler.ts";
export * from "./allowlist.ts";
export * from "./tensor_ref.ts";
export * from "./legacy.ts";
export * from "./zip.ts";
export * from "./checkpoint.ts";
export * from "./writer.ts";
