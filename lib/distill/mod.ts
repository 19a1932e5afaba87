/**
 * Knowledge distillation: a smaller student learns from the FP32 teacher's soft labels. Teacher
 * logits come from ONNX Runtime (computed once, cached), the student is built from the teacher's
 * layers (every other layer, optionally a narrower FFN) and trained with the training engine
 * (`lib/train`) on `α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1−α)·CE(z_s, y)` (plus an
 * optional hidden-state MSE), exported to ONNX and compared with the teacher on size, latency
 * and accuracy retained.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { everyOtherLayer, softmaxWithTemperature } from "./mod.ts";
 * assert.deepEqual(everyOtherLayer(6), [0, 2, 4]);
 * assert.deepEqual(softmaxWithTemperature([0, 0], 4), [0.5, 0.5]);
 * ```
 *
 * @module
 */
export * from "./kd_loss.ts";
export * from "./student.ts";
export * from "./teacher_logits.ts";
export * from "./distill.ts";
export * from "./export_student.ts";
export * from "./compare_teacher_student.ts";
export * from "./figures.ts";
export * from "./workflow.ts";
