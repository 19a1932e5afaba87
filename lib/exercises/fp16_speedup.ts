import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 05.2: what FP16 buys on ONNX Runtime's CPU provider. */
export const FP16_SPEEDUP_EXERCISE = "Expect FP16 to be faster only where it has kernels";

/** Options of {@link checkFp16Speedup}. */
export interface Fp16SpeedupOptions {
  /** The learner's expected speed-up of FP16 over FP32 (`fp32 ms / fp16 ms`). */
  expectedSpeedup: number;
  /** Median latency of the FP32 model (ms), timed interleaved with the FP16 one. */
  fp32Ms: number;
  /** Median latency of the FP16 model (ms), same runs. */
  fp16Ms: number;
  /** MatMul/Gemm nodes ONNX Runtime executed in FP16 (`ortExecutedPrecision`). */
  fp16MatMuls: number;
  /** How far above the measured speed-up (at least 1) an expectation may be (default 0.2). */
  tolerance?: number;
}

/**
 * Checks an expected FP16 speed-up against what this machine measured: an expectation is fixed
 * when it is at most `max(1, measured) · (1 + tolerance)`. Halving the bits speeds up only the
 * ops that have 16-bit kernels; on a CPU provider without FP16 GEMMs every MatMul runs in FP32
 * between Casts, so the honest expectation is "no faster" (the Casts cost a little).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFp16Speedup } from "./fp16_speedup.ts";
 * const measured = { fp32Ms: 10, fp16Ms: 11, fp16MatMuls: 0 };
 * assert.equal(checkFp16Speedup({ expectedSpeedup: 2, ...measured }).passed, false);
 * assert.equal(checkFp16Speedup({ expectedSpeedup: 1, ...measured }).passed, true);
 * ```
 */
export function checkFp16Speedup(options: Fp16SpeedupOptions): ExerciseCheck {
  const { expectedSpeedup, fp32Ms, fp16Ms, fp16MatMuls } = options;
  const measured = fp32Ms / fp16Ms;
  const bound = Math.max(1, measured) * (1 + (options.tolerance ?? 0.2));
  return new ExerciseCheck(
    FP16_SPEEDUP_EXERCISE,
    expectedSpeedup <= bound,
    `expected ×${expectedSpeedup.toFixed(2)}; measured ×${measured.toFixed(2)} ` +
      `(FP32 ${fp32Ms.toFixed(2)} ms, FP16 ${fp16Ms.toFixed(2)} ms); ONNX Runtime ran ` +
      `${fp16MatMuls} MatMul/Gemm node(s) in FP16 on this CPU.`,
    "speed comes from kernels, not from the format: look at what ONNX Runtime really ran " +
      "(section 4) — without FP16 MatMul kernels the model computes in FP32 between Casts, so " +
      "expect ×1 at best here (and ×2 or more only on GPUs or CPUs with FP16/BF16 matrix units).",
  );
}
