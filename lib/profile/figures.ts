/**
 * The profiler's tables and figures: pure functions of a {@link WhyFasterSummary}'s parts.
 *
 * @module
 */

import { Figure, Table } from "../display/mod.ts";
import type { ProfileComparison } from "./compare_profiles.ts";
import type { SweepPoint } from "./speed_sweep.ts";

/**
 * Milliseconds per run by kernel (as ORT executed it, after its fusions), both models.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelTable } from "./figures.ts";
 * const c = { reference: { name: "fp32" }, candidate: { name: "int8" }, categories: [],
 *   kernels: [{ kernel: "MatMul", category: "linear (FP32)", referenceMs: 10, candidateMs: 0, deltaMs: -10 }] };
 * // deno-lint-ignore no-explicit-any
 * assert.equal(kernelTable(c as any).rows[0]["fp32 ms"], 10);
 * ```
 */
export function kernelTable(comparison: ProfileComparison): Table {
  const { reference, candidate } = comparison;
  return new Table(
    comparison.kernels.map((k) => ({
      kernel: k.kernel,
      category: k.category,
      [`${reference.name} ms`]: k.referenceMs,
      [`${candidate.name} ms`]: k.candidateMs,
      "Δ ms": k.deltaMs,
    })),
    { title: "Time per run by kernel (ONNX Runtime profiler)", digits: 2 },
  );
}

/**
 * A waterfall from the reference's kernel milliseconds to the variant's: one bar per category
 * of what changed (negative: time saved).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waterfallFigure } from "./figures.ts";
 * const c = { reference: { name: "fp32", profile: { kernelMs: 10 } }, candidate: { name: "int8", profile: { kernelMs: 6 } },
 *   kernels: [], categories: [{ category: "linear (FP32)", referenceMs: 10, candidateMs: 0, deltaMs: -10 },
 *     { category: "linear (INT8)", referenceMs: 0, candidateMs: 6, deltaMs: 6 }] };
 * // deno-lint-ignore no-explicit-any
 * const fig = waterfallFigure(c as any);
 * assert.deepEqual(fig.data[0].y, [10, -10, 6, 6]);
 * ```
 */
export function waterfallFigure(comparison: ProfileComparison): Figure {
  const { reference, candidate } = comparison;
  const steps = comparison.categories.filter((c) => Math.abs(c.deltaMs) > 1e-3);
  return new Figure([{
    type: "waterfall",
    orientation: "v",
    measure: ["absolute", ...steps.map(() => "relative"), "total"],
    x: [reference.name, ...steps.map((s) => s.category), candidate.name],
    y: [reference.profile.kernelMs, ...steps.map((s) => s.deltaMs), candidate.profile.kernelMs],
    text: [
      reference.profile.kernelMs,
      ...steps.map((s) => s.deltaMs),
      candidate.profile.kernelMs,
    ].map((v) => `${v > 0 ? "" : ""}${v.toFixed(1)} ms`),
    textposition: "outside",
  }], {
    title: { text: `From ${reference.name} to ${candidate.name}: kernel time per run` },
    yaxis: { title: { text: "ms per run" } },
    showlegend: false,
    height: 400,
  });
}

/**
 * Speed-up of the variant over the reference against sequence length, one line per thread count;
 * above the dashed line at 1 the variant is faster.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepFigure } from "./figures.ts";
 * const p = (seq: number, threads: number, speedup: number) => ({ seq, threads, batch: 1, referenceMs: speedup, candidateMs: 1, speedup });
 * const fig = sweepFigure([p(16, 1, 0.9), p(128, 1, 1.4), p(16, 2, 0.8)]);
 * assert.equal(fig.data.length, 3);
 * assert.deepEqual(fig.data[0].x, [16, 128]);
 * ```
 */
export function sweepFigure(points: readonly SweepPoint[]): Figure {
  const threads = [...new Set(points.map((p) => p.threads))];
  const seqs = [...new Set(points.map((p) => p.seq))];
  return new Figure([
    ...threads.map((t) => {
      const line = points.filter((p) => p.threads === t);
      return {
        type: "scatter",
        mode: "lines+markers",
        x: line.map((p) => p.seq),
        y: line.map((p) => p.speedup),
        name: `${t} thread${t === 1 ? "" : "s"}`,
      };
    }),
    {
      type: "scatter",
      mode: "lines",
      x: [Math.min(...seqs), Math.max(...seqs)],
      y: [1, 1],
      name: "break-even",
      line: { dash: "dash" },
    },
  ], {
    title: { text: `Speed-up against sequence length (batch ${points[0]?.batch ?? 1})` },
    xaxis: { title: { text: "tokens per row" }, type: "log" },
    yaxis: { title: { text: "speed-up (×)" } },
    height: 360,
  });
}

/**
 * The sweep as a table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepTable } from "./figures.ts";
 * const t = sweepTable([{ seq: 16, threads: 1, batch: 1, referenceMs: 2, candidateMs: 1, speedup: 2 }]);
 * assert.equal(t.rows[0]["speed-up"], 2);
 * ```
 */
export function sweepTable(points: readonly SweepPoint[]): Table {
  return new Table(
    points.map((p) => ({
      tokens: p.seq,
      threads: p.threads,
      batch: p.batch,
      "FP32 ms": p.referenceMs,
      "variant ms": p.candidateMs,
      "speed-up": p.speedup,
    })),
    { title: "Latency sweep (medians, interleaved)", digits: 2 },
  );
}
