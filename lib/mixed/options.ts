/**
 * Options of the mixed-precision converter.
 *
 * @module
 */

/** The lower-precision float type a graph is converted to. */
export type PrecisionTarget = "fp16" | "bf16";

/**
 * Whose kernels decide what "the runtime lacks": `"ort-cpu"` (the table measured on ONNX
 * Runtime's CPU provider, `ort_support.ts`) or `"any"` (assume every op has a kernel in the
 * target type, as on a GPU provider).
 */
export type RuntimeKernels = "ort-cpu" | "any";

/**
 * What to do with an op that should run in lower precision but has no kernel in that type:
 * `"emulate"` keeps it in lower precision and runs it in float32 between Casts (tensors are
 * stored and rounded in the lower type, arithmetic is float32 — what ORT itself does for FLOAT16
 * on CPU); `"fp32"` moves it to the FP32 category, as AMP does.
 */
export type MissingKernelPolicy = "emulate" | "fp32";

/** Options of `convertToMixedPrecision`. */
export interface MixedPrecisionOptions {
  target: PrecisionTarget;
  /** Ops that run in the lower type (default `DEFAULT_AMP_CATEGORIES.lowerPrecision`). */
  lowerPrecisionOps?: readonly string[];
  /** Ops that follow their inputs' type (default `DEFAULT_AMP_CATEGORIES.fallthrough`). */
  fallthroughOps?: readonly string[];
  /** Ops kept in float32 (default `DEFAULT_AMP_CATEGORIES.fp32`). */
  fp32Ops?: readonly string[];
  /** Keep float graph inputs and outputs float32, with Casts inside the graph (default true). */
  keepIoFp32?: boolean;
  /** Names of nodes to keep in float32 whatever their op. */
  excludeNodes?: readonly string[];
  /** Whose kernel table decides what the runtime lacks (default `"ort-cpu"`). */
  runtime?: RuntimeKernels;
  /** What to do with lower-precision ops the runtime lacks (default `"emulate"`). */
  missingKernels?: MissingKernelPolicy;
  /**
   * Clamp finite constants beyond the target's largest finite value to ±max instead of rounding
   * them to ±Infinity (default: true for fp16, whose max is 65504; false for bf16, which rounds to
   * nearest even as PyTorch does).
   */
  saturate?: boolean;
  /** Receives each warning (clamped or overflowed tensors); default `console.warn`. */
  onWarning?: (message: string) => void;
}
