/**
 * The training engine: DistilBERT in TensorFlow.js on its WebAssembly backend, built from the same
 * state-dict weights as the ONNX builder, and a training loop (AdamW, warm-up/decay, clipping,
 * dynamic padding, seeded, evaluated, checkpointed and resumable, interrupt-safe) that knowledge
 * distillation, quantization-aware training and pruning share.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf, TfDistilBert } from "./mod.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * await initTf();
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 3 }));
 * assert.equal(model.parameterCount(), 930);
 * model.dispose();
 * ```
 *
 * @module
 */
export * from "./backend.ts";
export * from "./heap.ts";
export * from "./ops.ts";
export * from "./simd_matmul.ts";
export * from "./gemm.ts";
export * from "./native_blas.ts";
export * from "./hooks.ts";
export * from "./extension.ts";
export { mixSeed, Rng, type RngState } from "../random/mod.ts";
export * from "./distilbert.ts";
export * from "./loss.ts";
export * from "./adamw.ts";
export * from "./schedule.ts";
export * from "./clip.ts";
export * from "./batches.ts";
export * from "./checkpoint.ts";
export * from "./evaluate_tf.ts";
export * from "./profile.ts";
export * from "./train.ts";
export * from "./load.ts";
export * from "./step_bench.ts";
export * from "./bench.ts";
export * from "./gemm_bench.ts";
export * from "./training_data.ts";
