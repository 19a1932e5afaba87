/**
 * The three AMP categories of the workshop deck, as one registry: ops that run in the lower
 * precision, ops that follow their inputs' type, and ops kept in float32. Op keys are the op type
 * for ai.onnx (`"MatMul"`) and `"domain:Op"` otherwise (`"com.microsoft:Gelu"`).
 *
 * @module
 */

import type { MixedPrecisionOptions } from "./options.ts";

/** An AMP category. */
export type AmpCategory = "lowerPrecision" | "fallthrough" | "fp32";

/** The op lists of the three categories. */
export interface AmpCategories {
  /** Compute-bound ops whose speed is the point of lower precision (tensor-core ops). */
  lowerPrecision: readonly string[];
  /**
   * Ops that run in their inputs' type: data movement, activations, elementwise arithmetic.
   * With inputs of mixed types they run in the widest one (float32), like PyTorch's "promote".
   */
  fallthrough: readonly string[];
  /** Ops whose range or accumulated error needs float32: normalizations, softmax, reductions. */
  fp32: readonly string[];
}

/** The default categories (PyTorch autocast's lists, mapped to ONNX ops). */
export const DEFAULT_AMP_CATEGORIES: AmpCategories = {
  lowerPrecision: [
    "MatMul",
    "Gemm",
    "Conv",
    "ConvTranspose",
    "Einsum",
    "com.microsoft:FusedMatMul",
  ],
  fallthrough: [
    "Relu",
    "LeakyRelu",
    "Sigmoid",
    "Tanh",
    "Erf",
    "Gelu",
    "com.microsoft:Gelu",
    "com.microsoft:FastGelu",
    "com.microsoft:BiasGelu",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Reshape",
    "Transpose",
    "Gather",
    "Concat",
    "Split",
    "Squeeze",
    "Unsqueeze",
    "Flatten",
    "Slice",
    "Expand",
    "Tile",
    "Pad",
    "Identity",
    "Shape",
    "Size",
    "Where",
    "Equal",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Neg",
    "Abs",
    "Max",
    "Min",
    "Clip",
  ],
  fp32: [
    "LayerNormalization",
    "com.microsoft:SkipLayerNormalization",
    "InstanceNormalization",
    "BatchNormalization",
    "Softmax",
    "LogSoftmax",
    "ReduceMean",
    "ReduceSum",
    "ReduceMax",
    "ReduceSumSquare",
    "ReduceL2",
    "ReduceLogSumExp",
    "CumSum",
    "Pow",
    "Sqrt",
    "Reciprocal",
    "Exp",
    "Log",
    "Range",
  ],
};

/**
 * Float inputs that keep their own type whatever the node's precision (ONNX gives them a separate
 * type parameter): Resize's roi and scales, Dropout's ratio.
 */
export const INDEPENDENT_FLOAT_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [1, 2],
  Upsample: [1],
  Dropout: [1],
};

/** An op listed in two categories, or a category list that is not a list of op names. */
export class AmpCategoryError extends Error {
  override name = "AmpCategoryError";
}

/** The categories with the option overrides applied, as one lookup. */
export class AmpCategoryRegistry {
  readonly lists: AmpCategories;
  readonly #byOp = new Map<string, AmpCategory>();

  constructor(lists: AmpCategories) {
    this.lists = lists;
    for (const category of ["lowerPrecision", "fallthrough", "fp32"] as const) {
      for (const op of lists[category]) {
        const earlier = this.#byOp.get(op);
        if (earlier && earlier !== category) {
          throw new AmpCategoryError(
            `Op "${op}" is in both the ${earlier} and the ${category} AMP categories; ` +
              `remove it from one of the lists passed to convertToMixedPrecision.`,
          );
        }
        this.#byOp.set(op, category);
      }
    }
  }

  /** The category of an op key, or `undefined` when no list names it (kept in float32). */
  categoryOf(op: string): AmpCategory | undefined {
    return this.#byOp.get(op);
  }
}

/**
 * The category registry for `options`: each list given replaces the default one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ampCategories, DEFAULT_AMP_CATEGORIES } from "./categories.ts";
 * const registry = ampCategories({
 *   fallthroughOps: DEFAULT_AMP_CATEGORIES.fallthrough.filter((op) => op !== "Erf"),
 *   fp32Ops: [...DEFAULT_AMP_CATEGORIES.fp32, "Erf"],
 * });
 * assert.equal(registry.categoryOf("MatMul"), "lowerPrecision");
 * assert.equal(registry.categoryOf("Erf"), "fp32");
 * assert.equal(registry.categoryOf("NonMaxSuppression"), undefined);
 * ```
 */
export function ampCategories(
  options: Pick<MixedPrecisionOptions, "lowerPrecisionOps" | "fallthroughOps" | "fp32Ops"> = {},
): AmpCategoryRegistry {
  return new AmpCategoryRegistry({
    lowerPrecision: options.lowerPrecisionOps ?? DEFAULT_AMP_CATEGORIES.lowerPrecision,
    fallthrough: options.fallthroughOps ?? DEFAULT_AMP_CATEGORIES.fallthrough,
    fp32: options.fp32Ops ?? DEFAULT_AMP_CATEGORIES.fp32,
  });
}
