import type { Interval } from "../stats/mod.ts";
import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 02.1: what sparsity buys in ONNX Runtime on a CPU. */
export const SPARSITY_SPEEDUP_EXERCISE = "Expect the speed-up sparsity really gives";

/** The two families of pruning, as far as speed goes. */
export type PruningFamily = "unstructured" | "structured";

/** What the learner expects before looking at the latency table. */
export interface SparsitySpeedupExpectation {
  /** The family expected to run faster than the dense model. */
  faster: PruningFamily;
  /** The speed-up over dense expected of the unstructured model (dense ms / pruned ms). */
  unstructuredSpeedup: number;
}

/** One pruned model's measured speed-up over dense. */
export interface MeasuredSpeedup {
  /** Zero fraction of the prunable weights (structured: the share removed). */
  sparsity: number;
  /** Speed-up over dense with its interval (`interleavedLatency(...)[i].speedup.b8`). */
  speedup: Interval;
}

/** Options of {@link checkSparsitySpeedup}. */
export interface SparsitySpeedupOptions {
  expected: SparsitySpeedupExpectation;
  /** The unstructured model, timed interleaved with dense. */
  unstructured: MeasuredSpeedup;
  /** The structured model, timed in the same rounds. */
  structured: MeasuredSpeedup;
  /** How far (relative) the expected speed-up may lie outside the measured interval (default 0.25). */
  tolerance?: number;
}

/**
 * Checks an expectation about pruning and speed against measured latencies: the family expected
 * to be faster must be the one that measured faster, and the expected speed-up of the
 * unstructured model must lie within its measured interval (widened by `tolerance`). On a CPU,
 * ONNX Runtime multiplies the zeros of an unstructured model like any other number, so 90% zeros
 * do not make it 10× faster; removing rows and columns (structured) does shrink the work.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSparsitySpeedup } from "./sparsity_speedup.ts";
 * const ci = (estimate: number) => ({ estimate, low: 0.95 * estimate, high: 1.05 * estimate, level: 0.95 });
 * const measured = { unstructured: { sparsity: 0.9, speedup: ci(1.01) }, structured: { sparsity: 0.6, speedup: ci(2.1) } };
 * assert.equal(checkSparsitySpeedup({ ...measured, expected: { faster: "unstructured", unstructuredSpeedup: 10 } }).passed, false);
 * assert.equal(checkSparsitySpeedup({ ...measured, expected: { faster: "structured", unstructuredSpeedup: 1 } }).passed, true);
 * ```
 */
export function checkSparsitySpeedup(options: SparsitySpeedupOptions): ExerciseCheck {
  const { expected, unstructured, structured } = options;
  const tolerance = options.tolerance ?? 0.25;
  const measuredFaster: PruningFamily = structured.speedup.estimate > unstructured.speedup.estimate
    ? "structured"
    : "unstructured";
  const low = unstructured.speedup.low / (1 + tolerance);
  const high = unstructured.speedup.high * (1 + tolerance);
  const speedupHolds = expected.unstructuredSpeedup >= low &&
    expected.unstructuredSpeedup <= high;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  const ci = (i: Interval) =>
    `${x(i.estimate)} (${pct(i.level)} interval ${x(i.low)}–${x(i.high)})`;
  return new ExerciseCheck(
    SPARSITY_SPEEDUP_EXERCISE,
    expected.faster === measuredFaster && speedupHolds,
    `measured: unstructured with ${pct(unstructured.sparsity)} zeros ran ` +
      `${ci(unstructured.speedup)} dense speed, structured with ${pct(structured.sparsity)} of ` +
      `the weights removed ${ci(structured.speedup)}. You expected ${expected.faster} to be ` +
      `faster (${expected.faster === measuredFaster ? "right" : "wrong"}) and ` +
      `${x(expected.unstructuredSpeedup)} from unstructured ` +
      `(${speedupHolds ? "within" : "outside"} ${x(low)}–${x(high)}).`,
    "ONNX Runtime's CPU MatMul is a dense kernel: it multiplies every entry, zero or not, and has " +
      "no sparse kernel for scattered zeros, so unstructured sparsity runs at about dense speed " +
      "(expect ≈ 1×; its gain is size once compressed). Only structured pruning makes the " +
      "matrices smaller, and smaller matrices are what run faster.",
  );
}
