/**
 * Tables and charts of mixed-precision results: latency per variant with the ratio to FP32, and
 * ONNX Runtime's kernel support for a model's ops.
 *
 * @module
 */

import { Figure, Table } from "../display/mod.ts";
import type { MixedBenchRow } from "./bench.ts";
import type { PrecisionTarget } from "./options.ts";
import { ortCpuSupport } from "./ort_support.ts";

/**
 * Latency rows with each variant's ratio to FP32 at the same batch size (`× fp32` > 1 means
 * slower than FP32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mixedLatencyTable } from "./figures.ts";
 * const row = { model: "m", batch: 1, seq: 128, p90Ms: 0, p99Ms: 0, meanMs: 0, throughput: 0, sizeBytes: 2e6, runs: 1 };
 * const table = mixedLatencyTable([
 *   { ...row, variant: "fp32", medianMs: 10 },
 *   { ...row, variant: "bf16", medianMs: 15, sizeBytes: 1e6 },
 * ]);
 * assert.deepEqual(table.rows.map((r) => r["× fp32"]), [1, 1.5]);
 * ```
 */
export function mixedLatencyTable(rows: readonly MixedBenchRow[]): Table {
  const base = (r: MixedBenchRow) =>
    rows.find((b) =>
      b.variant === "fp32" && b.batch === r.batch && b.seq === r.seq && b.model === r.model
    );
  return new Table(
    rows.map((r) => ({
      model: r.model,
      variant: r.variant,
      batch: r.batch,
      seq: r.seq,
      "median ms": r.medianMs,
      "p90 ms": r.p90Ms,
      "× fp32": base(r) ? r.medianMs / base(r)!.medianMs : undefined,
      "size MB": r.sizeBytes / 1e6,
    })),
    { title: "Latency on this CPU (ONNX Runtime, CPU provider)", digits: 2 },
  );
}

/**
 * Median latency per variant, grouped by batch size, as bars.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mixedLatencyFigure } from "./figures.ts";
 * const row = { model: "m", seq: 128, p90Ms: 0, p99Ms: 0, meanMs: 0, throughput: 0, sizeBytes: 1, runs: 1 };
 * const figure = mixedLatencyFigure([
 *   { ...row, variant: "fp32", batch: 1, medianMs: 10 },
 *   { ...row, variant: "fp16", batch: 1, medianMs: 11 },
 * ]);
 * assert.deepEqual(figure.data.map((t) => t.name), ["fp32", "fp16"]);
 * ```
 */
export function mixedLatencyFigure(rows: readonly MixedBenchRow[]): Figure {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const batches = [...new Set(rows.map((r) => r.batch))];
  const seq = rows[0]?.seq ?? 128;
  return new Figure(
    variants.map((variant) => ({
      type: "bar",
      name: variant,
      x: batches.map((b) => `batch ${b}`),
      y: batches.map((b) =>
        rows.find((r) => r.variant === variant && r.batch === b)?.medianMs ?? null
      ),
    })),
    {
      title: { text: `${rows[0]?.model ?? "model"}: median latency at sequence ${seq}` },
      barmode: "group",
      yaxis: { title: { text: "ms (lower is faster)" } },
      height: 380,
    },
  );
}

/**
 * How ORT's CPU provider runs each op in FP16 and BF16 (from the measured table), for the op
 * keys given (e.g. a report's ops).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ortSupportTable } from "./figures.ts";
 * const table = ortSupportTable(["MatMul", "Reshape"]);
 * assert.deepEqual(table.rows[0], { op: "MatMul", fp16: "ort-casts", bf16: "none" });
 * ```
 */
export function ortSupportTable(ops: readonly string[]): Table {
  const targets: PrecisionTarget[] = ["fp16", "bf16"];
  return new Table(
    ops.map((op) => ({ op, ...Object.fromEntries(targets.map((t) => [t, ortCpuSupport(op, t)])) })),
    { title: "ONNX Runtime CPU kernels: native, only via ORT's Casts to fp32, or none" },
  );
}
