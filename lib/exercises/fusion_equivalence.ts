import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 04.2: a fusion must compute the same function. */
export const FUSION_EQUIVALENCE_EXERCISE = "Fuse GELU into the op that computes the same GELU";

/** One compared value (as `compareModels` in `lib/fuse` reports it). */
export interface ComparedValue {
  name: string;
  elements: number;
  maxAbsDiff: number;
  /** Elements outside `atol + rtol · |expected|`. */
  mismatches: number;
}

/** Options of {@link checkFusionEquivalence}: the result of `compareModels(before, after)`. */
export interface FusionEquivalenceOptions {
  /** The graph outputs and probed intermediate values, compared element by element. */
  values: readonly ComparedValue[];
  atol: number;
  rtol: number;
}

/**
 * Checks that a fused graph computes what the graph before it computed: every compared value
 * (logits and probed hidden states) within `atol + rtol · |expected|`, element by element, as
 * `assertSameOutputs` demands of every pass. Swapping the exact (erf) GELU the exporter wrote for
 * the tanh approximation (`com.microsoft.FastGelu`) is not a fusion: it changes the function, by
 * up to about 1e-3 per activation, and the change propagates to the logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFusionEquivalence } from "./fusion_equivalence.ts";
 * const value = { name: "logits", elements: 8, maxAbsDiff: 2e-3, mismatches: 3 };
 * assert.equal(checkFusionEquivalence({ values: [value], atol: 1e-5, rtol: 1e-5 }).passed, false);
 * const same = { ...value, maxAbsDiff: 3e-7, mismatches: 0 };
 * assert.equal(checkFusionEquivalence({ values: [same], atol: 1e-5, rtol: 1e-5 }).passed, true);
 * ```
 */
export function checkFusionEquivalence(options: FusionEquivalenceOptions): ExerciseCheck {
  const { values } = options;
  const bad = values.filter((v) => v.mismatches > 0);
  const worst = [...values].sort((a, b) => b.maxAbsDiff - a.maxAbsDiff)[0];
  const mismatched = bad.reduce((n, v) => n + v.mismatches, 0);
  const total = values.reduce((n, v) => n + v.elements, 0);
  return new ExerciseCheck(
    FUSION_EQUIVALENCE_EXERCISE,
    values.length > 0 && bad.length === 0,
    `${bad.length} of ${values.length} compared values differ (${mismatched} of ${total} ` +
      `elements outside ${options.atol} + ${options.rtol}·|expected|); largest |difference| ` +
      `${(worst?.maxAbsDiff ?? 0).toExponential(2)}${worst ? ` in ${worst.name}` : ""}.`,
    "FastGelu is the tanh approximation of GELU, a different function from the erf GELU the " +
      "model was trained with: fuse into com.microsoft.Gelu (exact) — a fusion may change how " +
      "a function is computed, never what it computes.",
  );
}
