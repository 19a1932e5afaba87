/**
 * What a quantization pass did: for every node of a quantizable op type, whether it was
 * quantized and how, or why it stayed FP32; and the counts.
 *
 * @module
 */

import type { ResolvedQuantOptions } from "./options.ts";

/** What happened to one node. */
export interface QuantNodeReport {
  node: string;
  opType: string;
  /** True when the node now runs on integers. */
  quantized: boolean;
  /** How it was quantized (ops written, weight and activation schemes). */
  scheme?: string;
  /** Why it stayed FP32. */
  reason?: string;
}

/** Counts of one op type. */
export interface QuantCounts {
  quantized: number;
  fp32: number;
}

/** The report of `quantizeDynamic` / `quantizeStatic`. */
export interface QuantReport {
  approach: "dynamic" | "static";
  /** `"qdq"` or `"qoperator"` for static quantization; `"integer"` for dynamic. */
  format: string;
  /** Every node of a quantizable op type, in graph order. */
  nodes: QuantNodeReport[];
  /** Totals over `nodes`. */
  counts: QuantCounts;
  /** Totals per op type. */
  byOpType: Record<string, QuantCounts>;
  /** Bytes of all initializers before and after. */
  weightBytes: { before: number; after: number };
  /** Choices known to be slow or lossy on the target runtime (empty when none). */
  warnings: string[];
  /** The options used, defaults filled in (sets as arrays). */
  options: Record<string, unknown>;
}

/**
 * Builds a {@link QuantReport} from per-node entries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { summarizeReport } from "./quant_report.ts";
 * import { resolveQuantOptions } from "./options.ts";
 * const report = summarizeReport({
 *   approach: "dynamic",
 *   format: "integer",
 *   nodes: [
 *     { node: "a", opType: "MatMul", quantized: true, scheme: "…" },
 *     { node: "b", opType: "MatMul", quantized: false, reason: "excluded by options" },
 *   ],
 *   weightBytes: { before: 8, after: 2 },
 *   options: resolveQuantOptions("dynamic"),
 * });
 * assert.deepEqual(report.counts, { quantized: 1, fp32: 1 });
 * assert.deepEqual(report.byOpType.MatMul, { quantized: 1, fp32: 1 });
 * ```
 */
export function summarizeReport(parts: {
  approach: "dynamic" | "static";
  format: string;
  nodes: QuantNodeReport[];
  weightBytes: { before: number; after: number };
  options: ResolvedQuantOptions;
}): QuantReport {
  const counts: QuantCounts = { quantized: 0, fp32: 0 };
  const byOpType: Record<string, QuantCounts> = {};
  for (const entry of parts.nodes) {
    const bucket = byOpType[entry.opType] ??= { quantized: 0, fp32: 0 };
    const key = entry.quantized ? "quantized" : "fp32";
    bucket[key]++;
    counts[key]++;
  }
  return {
    approach: parts.approach,
    format: parts.format,
    nodes: parts.nodes,
    counts,
    byOpType,
    weightBytes: parts.weightBytes,
    warnings: optionWarnings(parts.options, counts.quantized > 0),
    options: plainOptions(parts.options),
  };
}

/**
 * Warnings about option choices measured slow with ONNX Runtime 1.30's x86 CPU provider
 * (2 threads, AVX-512 VNNI + AMX, full-size DistilBERT): integer kernels exist fast only for
 * uint8 activations × int8 weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optionWarnings } from "./quant_report.ts";
 * import { resolveQuantOptions } from "./options.ts";
 * assert.deepEqual(optionWarnings(resolveQuantOptions("static"), true), []);
 * assert.equal(optionWarnings(resolveQuantOptions("static", { activationType: "int8" }), true).length, 1);
 * ```
 */
export function optionWarnings(options: ResolvedQuantOptions, anyQuantized: boolean): string[] {
  if (!anyQuantized) return [];
  const out: string[] = [];
  if (options.activationType === "int8") {
    out.push(
      "int8 activations: ONNX Runtime's x86 CPU provider runs int8 × int8 GEMMs on a portable " +
        'C++ kernel (measured 3-4× slower than FP32); use activationType "uint8".',
    );
  }
  if (options.weightType === "uint8") {
    out.push(
      "uint8 weights: uint8 × uint8 GEMMs skip the VNNI/AMX kernels on x86 (measured no faster " +
        'than FP32); use weightType "int8".',
    );
  }
  return out;
}

/** The quantized node names of a report (what a tuner may fall back on). */
export function quantizedNodes(report: QuantReport): string[] {
  return report.nodes.filter((n) => n.quantized).map((n) => n.node);
}

function plainOptions(options: ResolvedQuantOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value instanceof Set) out[key] = [...value];
    else if (value !== undefined) out[key] = value;
  }
  return out;
}
