import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 05.3: the file size a mixed-precision conversion buys. */
export const FP16_SIZE_EXERCISE = "Halve the model file";

/** Options of {@link checkHalvedWeights}. */
export interface HalvedWeightsOptions {
  /** Bytes of the constants before and after the conversion (`report.data.initializers`). */
  initializers: { bytesBefore: number; bytesAfter: number };
  /** Largest allowed `bytesAfter / bytesBefore` (default 0.55: 16 bits for almost everything). */
  threshold?: number;
}

/**
 * Checks that a mixed-precision conversion halved the model's weights: only the constants that
 * lower-precision nodes read are stored in 16 bits, so a policy that keeps the MatMuls in FP32
 * (`missingKernels: "fp32"` on a runtime without FP16 GEMMs) keeps almost every byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkHalvedWeights } from "./fp16_size.ts";
 * const kept = { bytesBefore: 100, bytesAfter: 98 };
 * assert.equal(checkHalvedWeights({ initializers: kept }).passed, false);
 * const halved = { bytesBefore: 100, bytesAfter: 51 };
 * assert.equal(checkHalvedWeights({ initializers: halved }).passed, true);
 * ```
 */
export function checkHalvedWeights(options: HalvedWeightsOptions): ExerciseCheck {
  const { bytesBefore, bytesAfter } = options.initializers;
  const ratio = bytesAfter / bytesBefore;
  return new ExerciseCheck(
    FP16_SIZE_EXERCISE,
    ratio <= (options.threshold ?? 0.55),
    `weights ${(bytesBefore / 1e6).toFixed(1)} MB → ${(bytesAfter / 1e6).toFixed(1)} MB ` +
      `(${(100 * ratio).toFixed(0)}% of FP32).`,
    'missingKernels: "fp32" keeps every op the CPU provider has no FP16 kernel for — MatMul ' +
      "included — in FP32, and its weights with it (only the embedding lookups, which have a " +
      'kernel, shrink); "emulate" stores them in FP16 (ORT computes in FP32 between Casts), ' +
      "which is what halves the file.",
  );
}
