/**
 * Which operators ONNX Runtime's CPU execution provider runs in FLOAT16 and BFLOAT16, found by
 * running one-node models (`ort_probe.ts`) on onnxruntime-node 1.30.0 at opsets 14, 17 and 21
 * (the answers did not depend on the opset). `ort_support_test.ts` re-checks entries against the
 * installed runtime, so a runtime upgrade that changes them fails a test instead of silently
 * producing wrong reports.
 *
 * Findings (x86-64 CPU with AVX-512 FP16 and AMX-BF16, which ORT's CPU provider does not use):
 * - FLOAT16: only data-movement ops, Max/Min/Clip and (Skip)LayerNormalization have float16
 *   kernels. For every other op, ORT's `InsertCastTransformer` adds Casts to float32 around the
 *   node and runs the float32 kernel, so the model loads but computes in float32 (`"ort-casts"`).
 *   Range has no float16 path at all.
 * - BFLOAT16: data-movement ops, Shape and (Skip)LayerNormalization only. ORT inserts no Casts for
 *   bfloat16: any other op in bfloat16 makes the model fail to load.
 *
 * @module
 */

import type { PrecisionTarget } from "./options.ts";

/**
 * How a runtime runs an op in a lower-precision type: `"native"` (a kernel in that type),
 * `"ort-casts"` (ORT casts to float32 around the node itself and computes in float32), `"none"`
 * (the model does not load).
 */
export type KernelSupport = "native" | "ort-casts" | "none";

/** The ORT version the table was measured on. */
export const ORT_SUPPORT_VERSION = "1.30.0";

/** Ops with a FLOAT16 kernel in ORT 1.30's CPU provider. */
const FP16_NATIVE = [
  "Identity",
  "Max",
  "Min",
  "Clip",
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
  "Shape",
  "LayerNormalization",
  "com.microsoft:SkipLayerNormalization",
];

/** Ops ORT 1.30's CPU provider runs in FLOAT16 only through its own inserted Casts. */
const FP16_ORT_CASTS = [
  "MatMul",
  "Gemm",
  "Conv",
  "ConvTranspose",
  "Einsum",
  "Relu",
  "LeakyRelu",
  "Sigmoid",
  "Tanh",
  "Erf",
  "Gelu",
  "Neg",
  "Abs",
  "Sqrt",
  "Exp",
  "Log",
  "Reciprocal",
  "Add",
  "Sub",
  "Mul",
  "Div",
  "Pow",
  "Where",
  "Equal",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  "Tile",
  "Pad",
  "Size",
  "Softmax",
  "LogSoftmax",
  "ReduceMean",
  "ReduceSum",
  "ReduceMax",
  "CumSum",
  "InstanceNormalization",
  "BatchNormalization",
  "com.microsoft:FusedMatMul",
  "com.microsoft:Gelu",
  "com.microsoft:FastGelu",
  "com.microsoft:BiasGelu",
];

/** Ops with a BFLOAT16 kernel in ORT 1.30's CPU provider (every other op fails to load). */
const BF16_NATIVE = [
  "Identity",
  "Reshape",
  "Transpose",
  "Gather",
  "Concat",
  "Split",
  "Squeeze",
  "Unsqueeze",
  "Flatten",
  "Slice",
  "Shape",
  "LayerNormalization",
  "com.microsoft:SkipLayerNormalization",
];

/**
 * The measured table: for each target, each probed op's {@link KernelSupport}. Ops that were not
 * probed are absent (treated as `"none"` by {@link ortCpuSupport}).
 */
export const ORT_CPU_SUPPORT: Readonly<
  Record<PrecisionTarget, Readonly<Record<string, KernelSupport>>>
> = {
  fp16: {
    ...Object.fromEntries(FP16_ORT_CASTS.map((op) => [op, "ort-casts" as const])),
    ...Object.fromEntries(FP16_NATIVE.map((op) => [op, "native" as const])),
    Range: "none",
  },
  bf16: Object.fromEntries(BF16_NATIVE.map((op) => [op, "native" as const])),
};

/**
 * How ORT 1.30's CPU provider runs `op` (`"MatMul"`, `"com.microsoft:Gelu"`) in `target`.
 * Unprobed ops answer `"none"`, so the converter never relies on a kernel nobody checked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ortCpuSupport } from "./ort_support.ts";
 * assert.equal(ortCpuSupport("Transpose", "bf16"), "native");
 * assert.equal(ortCpuSupport("MatMul", "fp16"), "ort-casts");
 * assert.equal(ortCpuSupport("MatMul", "bf16"), "none");
 * ```
 */
export function ortCpuSupport(op: string, target: PrecisionTarget): KernelSupport {
  const table = ORT_CPU_SUPPORT[target];
  return Object.hasOwn(table, op) ? table[op] : "none";
}
