import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 01.2: per-channel weight scales. */
export const WEIGHT_GRANULARITY_EXERCISE = "Quantize weights per channel, not per tensor";

/** Options of {@link checkPerChannelWeights}. */
export interface PerChannelWeightsOptions {
  /** The FP32 weight, row-major `[in, out]` (ONNX MatMul layout). */
  weight: Float32Array;
  dims: readonly [number, number];
  /** The scales used (one per tensor, or one per output column). */
  scale: ArrayLike<number>;
  /** The weight after quantize → dequantize. */
  restored: Float32Array;
}

/**
 * Checks that a MatMul weight was quantized with one scale per output channel (column), and
 * reports what that buys: the worst relative error of a channel (its largest error over its
 * largest |w|), which per-tensor scaling makes large for channels with small weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPerChannelWeights } from "./weight_granularity.ts";
 * const weight = new Float32Array([1, 0.01, -1, 0.02]); // [2, 2]: column 1 is tiny
 * const restored = new Float32Array([1, 0, -1, 0]);
 * const check = checkPerChannelWeights({ weight, dims: [2, 2], scale: [1 / 127], restored });
 * assert.equal(check.passed, false);
 * ```
 */
export function checkPerChannelWeights(options: PerChannelWeightsOptions): ExerciseCheck {
  const [rows, cols] = options.dims;
  let worst = 0;
  for (let c = 0; c < cols; c++) {
    let maxAbs = 0;
    let maxErr = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      maxAbs = Math.max(maxAbs, Math.abs(options.weight[i]));
      maxErr = Math.max(maxErr, Math.abs(options.weight[i] - options.restored[i]));
    }
    if (maxAbs > 0) worst = Math.max(worst, maxErr / maxAbs);
  }
  // Per channel, each column's error is at most half its own step, max|w| / 254.
  const passed = options.scale.length === cols && worst <= (0.5 / 127) * 1.001;
  return new ExerciseCheck(
    WEIGHT_GRANULARITY_EXERCISE,
    passed,
    `${options.scale.length} scale(s) for ${cols} output channels; the worst channel's error ` +
      `is ${(100 * worst).toFixed(2)}% of its largest weight.`,
    "one scale for the whole matrix is set by its largest weight, so channels of small weights " +
      "get few levels: compute one scale per output column (computeQuantParamsPerChannel, axis 1).",
  );
}
