/**
 * What quantization-aware training simulates, and the `quantizeStatic` options that write the
 * same thing as a QDQ ONNX model: weights int8, symmetric, one scale per output channel;
 * activations (the input of every Linear, optionally both inputs of the attention products)
 * uint8 asymmetric or int8 symmetric from observed ranges; biases int32 at `x_scale · w_scale`;
 * optionally (`quantizeEmbeddings`) the word and position embedding tables, int8 symmetric with
 * one scale per hidden unit, as post-training quantization's `Gather` quantizer writes them
 * (through the engine's `embedding` hook, which reaches both lookups). Off by default: the
 * tables then stay float in training and in the exported model, unlike `quantizeStatic`'s own
 * default.
 *
 * @module
 */
import { defaultReduceRange, type QuantType, type StaticQuantOptions } from "../quant/mod.ts";
import { DEFAULT_OBSERVER_MOMENTUM } from "./observer.ts";

/** The quantization scheme QAT simulates. */
export interface QatScheme {
  /** Activation type: `"uint8"` (asymmetric, default; what ORT's x86 kernels prefer) or `"int8"`. */
  activationType: QuantType;
  /** Symmetric activation ranges (default: true for int8, false for uint8). */
  activationSymmetric: boolean;
  /**
   * Also fake-quantize the attention products' inputs (`q·kᵀ` and `probs·v`; the second input
   * int8 symmetric, as `quantizeStatic` writes them). Default false, as in PTQ.
   */
  quantizeAttention: boolean;
  /**
   * Also fake-quantize the word and position embedding tables: int8 symmetric, one scale per
   * hidden unit (column), from the table itself — what `quantizeStatic`'s `Gather` quantizer
   * writes (`Gather(table_int8, ids) → DequantizeLinear`). Default false.
   */
  quantizeEmbeddings: boolean;
  /**
   * 7-bit weights (and embedding tables), as `quantizeStatic`'s `reduceRange` writes them.
   * Default: on where ORT's int8 kernel saturates (x86 without VNNI; `defaultReduceRange`), so
   * training simulates what the exported model computes there.
   */
  reduceRange: boolean;
  /** Observer momentum, `range ← m · range + (1 − m) · batch` (default 0.99). */
  momentum: number;
  /** Linear layers (state-dict prefixes, e.g. `classifier`) left in float. */
  excludeLinears: readonly string[];
}

/** A scheme option is invalid; the message names it. */
export class QatSchemeError extends Error {
  override name = "QatSchemeError";
}

/**
 * The scheme with defaults filled in and checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveQatScheme } from "./scheme.ts";
 * const s = resolveQatScheme({ activationType: "int8" });
 * assert.equal(s.activationSymmetric, true);
 * assert.equal(resolveQatScheme().activationType, "uint8");
 * ```
 */
export function resolveQatScheme(scheme: Partial<QatScheme> = {}): QatScheme {
  const activationType = scheme.activationType ?? "uint8";
  if (activationType !== "uint8" && activationType !== "int8") {
    throw new QatSchemeError(`activationType "${activationType}" is not "uint8" or "int8".`);
  }
  const momentum = scheme.momentum ?? DEFAULT_OBSERVER_MOMENTUM;
  if (!(momentum >= 0 && momentum < 1)) {
    throw new QatSchemeError(`momentum ${momentum} must be in [0, 1).`);
  }
  return {
    activationType,
    activationSymmetric: scheme.activationSymmetric ?? activationType === "int8",
    quantizeAttention: scheme.quantizeAttention ?? false,
    quantizeEmbeddings: scheme.quantizeEmbeddings ?? false,
    reduceRange: scheme.reduceRange ?? defaultReduceRange("int8"),
    momentum,
    excludeLinears: [...(scheme.excludeLinears ?? [])],
  };
}

/**
 * The `quantizeStatic` options that write what `scheme` simulates (QDQ, per-channel symmetric
 * int8 weights; the embedding `Gather`s quantized per hidden unit only with `quantizeEmbeddings`);
 * `excludeNodes` are the ONNX nodes of the excluded Linears.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveQatScheme, staticOptionsOf } from "./scheme.ts";
 * const o = staticOptionsOf(resolveQatScheme(), []);
 * assert.equal(o.perChannel, true);
 * assert.equal(o.quantizeEmbeddings, false);
 * assert.deepEqual(o.opTypes, ["MatMul"]);
 * const e = staticOptionsOf(resolveQatScheme({ quantizeEmbeddings: true }), []);
 * assert.deepEqual([e.quantizeEmbeddings, e.opTypes], [true, ["MatMul", "Gather"]]);
 * ```
 */
export function staticOptionsOf(
  scheme: QatScheme,
  excludeNodes: readonly string[],
): StaticQuantOptions {
  return {
    format: "qdq",
    // The fake quantization simulates the int32 bias of this form (`fakeQuantizeBias`).
    qdqBias: "int32",
    opTypes: scheme.quantizeEmbeddings ? ["MatMul", "Gather"] : ["MatMul"],
    perChannel: true,
    weightType: "int8",
    weightSymmetric: true,
    reduceRange: scheme.reduceRange,
    activationType: scheme.activationType,
    activationSymmetric: scheme.activationSymmetric,
    quantizeEmbeddings: scheme.quantizeEmbeddings,
    quantizeActivationMatMuls: scheme.quantizeAttention,
    excludeNodes: [...excludeNodes],
  };
}
