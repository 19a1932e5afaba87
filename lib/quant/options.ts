/**
 * The one typed options object of post-training quantization, shared by dynamic and static
 * quantization (and by the tuner that searches over it), with its defaults.
 *
 * Defaults follow what is fast and accurate on x86 CPUs with ONNX Runtime: int8 weights,
 * symmetric, one scale per output channel; uint8 activations, asymmetric (VNNI and AMX multiply
 * unsigned activations by signed weights; int8 × int8 falls back to slower kernels there);
 * only MatMul/Gemm with constant weights plus embedding tables — quantizing the attention
 * MatMuls (activation × activation) was measured not to pay on ORT's CPU provider.
 *
 * @module
 */

import { u8s8Accumulation } from "../runtime/cpu_features.ts";
import type { QuantType } from "./params.ts";
import type { QuantizerRegistry } from "./quantizer_registry.ts";

/**
 * How a statically quantized model is written. `"qdq"`: QuantizeLinear/DequantizeLinear pairs
 * around float operators (ONNX's portable form; ORT fuses them into integer kernels).
 * `"qoperator"`: integer operators written directly (ORT's `MatMulIntegerToFloat` with the bias
 * inside, ONNX `MatMulInteger` for int8 activations).
 */
export type QuantFormat = "qdq" | "qoperator";

/**
 * How the QDQ format writes a linear layer's bias. `"float"`: `DQ(x) · DQ(W)` as a `MatMul` and
 * the bias as a float `Add`, which ORT fuses into `MatMulIntegerToFloat` and folds the `Add` into
 * the next op (`BiasGelu`, `SkipLayerNormalization`…) — the fastest form measured on ORT 1.30's
 * CPU provider (full-size DistilBERT, seq 128: 17.9 against 26.8 ms at batch 1, equal at batch
 * 8). `"int32"`: a `Gemm` with the bias quantized to int32 at scale `x_scale · w_scale` (the form
 * ORT's `quantize_static` writes and integer-only accelerators expect), fused into `QGemm`.
 */
export type QdqBias = "float" | "int32";

/** The op types the built-in quantizers handle. */
export const DEFAULT_OP_TYPES: readonly string[] = ["MatMul", "Gemm", "Gather"];

/** Options shared by {@link DynamicQuantOptions} and {@link StaticQuantOptions}. */
export interface QuantOptions {
  /** Op types to quantize (default `["MatMul", "Gemm", "Gather"]`). */
  opTypes?: readonly string[];
  /** Node names to leave in FP32 (the tuner's fallback); wins over `includeNodes`. */
  excludeNodes?: readonly string[];
  /** When given, quantize only these nodes (e.g. one op at a time to measure sensitivity). */
  includeNodes?: readonly string[];
  /** One scale per output channel of a weight (default true); false: one per tensor. */
  perChannel?: boolean;
  /** Weight type (default `"int8"`; uint8 × uint8 GEMMs skip VNNI/AMX on x86: no faster than FP32). */
  weightType?: QuantType;
  /** Symmetric weights, zero point 0 (int8) or 128 (uint8); default true for int8, false for uint8. */
  weightSymmetric?: boolean;
  /**
   * Activation type (default `"uint8"`; dynamic quantization supports only uint8). int8 × int8
   * GEMMs run on a portable kernel in ORT's x86 CPU provider: measured 3–4× slower than FP32.
   */
  activationType?: QuantType;
  /** Symmetric activation ranges (static only; default false). */
  activationSymmetric?: boolean;
  /**
   * 7-bit weights, for x86 CPUs without VNNI, whose uint8 × int8 kernel adds pairs of products
   * in int16 and saturates (see `u8s8Accumulation` in lib/runtime). Default: on exactly when
   * this machine's kernel saturates and the weights are int8 ({@link defaultReduceRange}).
   */
  reduceRange?: boolean;
  /** Quantize embedding tables read by `Gather` (default true). */
  quantizeEmbeddings?: boolean;
  /**
   * Quantize MatMuls whose two inputs are activations — attention scores and context (static
   * only; default false: on ORT's CPU provider they got no faster, and they cost accuracy).
   */
  quantizeActivationMatMuls?: boolean;
  /** The op quantizers to use (default: `defaultQuantizers()`, MatMul, Gemm and Gather). */
  registry?: QuantizerRegistry;
}

/** Options of `quantizeDynamic`. */
export type DynamicQuantOptions = QuantOptions;

/** Options of `quantizeStatic`. */
export interface StaticQuantOptions extends QuantOptions {
  /** `"qdq"` (default) or `"qoperator"`. */
  format?: QuantFormat;
  /** The QDQ format's linear-layer bias, `"float"` (default) or `"int32"`; see {@link QdqBias}. */
  qdqBias?: QdqBias;
}

/** Options with every default filled in. */
export interface ResolvedQuantOptions {
  opTypes: ReadonlySet<string>;
  excludeNodes: ReadonlySet<string>;
  includeNodes?: ReadonlySet<string>;
  perChannel: boolean;
  weightType: QuantType;
  weightSymmetric: boolean;
  activationType: QuantType;
  activationSymmetric: boolean;
  reduceRange: boolean;
  quantizeEmbeddings: boolean;
  quantizeActivationMatMuls: boolean;
  format: QuantFormat;
  qdqBias: QdqBias;
}

/** Options that cannot work together or name unknown values; the message says which and why. */
export class QuantOptionsError extends Error {
  override name = "QuantOptionsError";
}

/**
 * Fills in the defaults of quantization options and checks them. `approach` decides the
 * restrictions: dynamic quantization needs uint8 activations (`DynamicQuantizeLinear` outputs
 * uint8) and has no format.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveQuantOptions } from "./options.ts";
 * const o = resolveQuantOptions("static", { excludeNodes: ["/classifier/MatMul"] });
 * assert.equal(o.weightType, "int8");
 * assert.equal(o.activationType, "uint8");
 * assert.equal(o.format, "qdq");
 * assert.ok(o.excludeNodes.has("/classifier/MatMul"));
 * ```
 */
export function resolveQuantOptions(
  approach: "dynamic" | "static",
  options: StaticQuantOptions = {},
): ResolvedQuantOptions {
  const weightType = options.weightType ?? "int8";
  const activationType = options.activationType ?? "uint8";
  for (const [key, value] of [["weightType", weightType], ["activationType", activationType]]) {
    if (value !== "int8" && value !== "uint8") {
      throw new QuantOptionsError(`${key} "${value}" is not supported; use "int8" or "uint8".`);
    }
  }
  const format = options.format ?? "qdq";
  if (format !== "qdq" && format !== "qoperator") {
    throw new QuantOptionsError(`format "${format}" is unknown; use "qdq" or "qoperator".`);
  }
  if (approach === "dynamic") {
    if (activationType !== "uint8") {
      throw new QuantOptionsError(
        `activationType "${activationType}" does not work with dynamic quantization: ONNX ` +
          `DynamicQuantizeLinear produces uint8. Use activationType "uint8" or quantizeStatic.`,
      );
    }
    if (options.format !== undefined) {
      throw new QuantOptionsError(
        `format "${options.format}" applies to static quantization only; drop it for quantizeDynamic.`,
      );
    }
  }
  const qdqBias = options.qdqBias ?? "float";
  if (qdqBias !== "float" && qdqBias !== "int32") {
    throw new QuantOptionsError(`qdqBias "${qdqBias}" is unknown; use "float" or "int32".`);
  }
  if (options.qdqBias !== undefined && format !== "qdq") {
    throw new QuantOptionsError(
      `qdqBias applies to the QDQ format only; drop it or use format "qdq" (got "${format}"${
        approach === "dynamic" ? ", dynamic quantization" : ""
      }).`,
    );
  }
  const opTypes = new Set(options.opTypes ?? DEFAULT_OP_TYPES);
  return {
    opTypes,
    excludeNodes: new Set(options.excludeNodes ?? []),
    includeNodes: options.includeNodes ? new Set(options.includeNodes) : undefined,
    perChannel: options.perChannel ?? true,
    weightType,
    weightSymmetric: options.weightSymmetric ?? weightType === "int8",
    activationType,
    activationSymmetric: options.activationSymmetric ?? false,
    reduceRange: options.reduceRange ?? defaultReduceRange(weightType),
    quantizeEmbeddings: options.quantizeEmbeddings ?? true,
    quantizeActivationMatMuls: options.quantizeActivationMatMuls ?? false,
    format,
    qdqBias,
  };
}

/**
 * Whether weights of `weightType` get 7-bit ranges by default on this machine: int8 weights on
 * x86 CPUs without VNNI, whose integer kernels add pairs of u8·s8 products in int16 and saturate
 * (measured: 8-bit weights there add 2–4 points of logit error on the tiny test model). The
 * quantization step doubles, so expect about twice the weight error of an 8-bit model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultReduceRange } from "./options.ts";
 * import { u8s8Accumulation } from "../runtime/cpu_features.ts";
 * assert.equal(defaultReduceRange("int8"), u8s8Accumulation() === "int16-pairs");
 * assert.equal(defaultReduceRange("uint8"), false);
 * ```
 */
export function defaultReduceRange(weightType: QuantType): boolean {
  return weightType === "int8" && u8s8Accumulation() === "int16-pairs";
}
