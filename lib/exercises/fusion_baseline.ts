import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 04.3: what to compare a fused graph with. */
export const FUSION_BASELINE_EXERCISE = "Measure fusion against ONNX Runtime's own optimizer";

/** One row of `fusionBenchRows` (`lib/fuse`): a variant at one batch size. */
export interface FusionBaselineRow {
  /** `ort-disabled`, `ort-basic`, `ort-extended`, `ort-all`, `kit+ort-basic`, … */
  variant: string;
  batch: number;
  /** Nodes of the graph ORT runs, after its own optimizations at that level. */
  nodes: number;
  /** Fastest timed run. */
  minMs: number;
}

/** Options of {@link checkFusionBaseline}. */
export interface FusionBaselineOptions {
  rows: readonly FusionBaselineRow[];
  /** The unfused variant the kit's graph is compared with. */
  baseline: string;
  /** The kit's fused variant (default `kit+ort-all`). */
  fused?: string;
}

/**
 * Checks that a fusion's gain is measured against the unfused graph *as ONNX Runtime really runs
 * it*: with ORT's own optimizer on, ORT already folds constants and fuses LayerNorm, GELU and
 * more when it loads a model. Passes when the baseline runs no more nodes than the best of ORT's
 * levels (`ort-*` rows) gets the unfused graph to; the message gives the node and latency ratios
 * against the chosen baseline and against that best level.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFusionBaseline } from "./fusion_baseline.ts";
 * const rows = [
 *   { variant: "ort-disabled", batch: 1, nodes: 400, minMs: 10 },
 *   { variant: "ort-all", batch: 1, nodes: 250, minMs: 8 },
 *   { variant: "kit+ort-all", batch: 1, nodes: 60, minMs: 7.8 },
 * ];
 * assert.equal(checkFusionBaseline({ rows, baseline: "ort-disabled" }).passed, false);
 * assert.equal(checkFusionBaseline({ rows, baseline: "ort-all" }).passed, true);
 * ```
 */
export function checkFusionBaseline(options: FusionBaselineOptions): ExerciseCheck {
  const fusedName = options.fused ?? "kit+ort-all";
  const batch = Math.max(...options.rows.map((r) => r.batch));
  const at = options.rows.filter((r) => r.batch === batch);
  const row = (variant: string) => {
    const found = at.find((r) => r.variant === variant);
    if (!found) {
      throw new RangeError(
        `no row of variant "${variant}" at batch ${batch}: pick one of ` +
          `${at.map((r) => r.variant).join(", ")} (fusionBenchRows' variants).`,
      );
    }
    return found;
  };
  const baseline = row(options.baseline);
  const fused = row(fusedName);
  const ort = at.filter((r) => r.variant.startsWith("ort-"))
    .reduce((best, r) => (r.nodes <= best.nodes ? r : best)); // ties: the higher level
  const ratio = (a: FusionBaselineRow) =>
    `${(a.nodes / fused.nodes).toFixed(1)}× the nodes, ${(a.minMs / fused.minMs).toFixed(2)}× ` +
    `the time`;
  const removedByOrt = Math.max(0, baseline.nodes - ort.nodes);
  return new ExerciseCheck(
    FUSION_BASELINE_EXERCISE,
    baseline.nodes <= ort.nodes,
    `at batch ${batch}, ${options.baseline} runs ${ratio(baseline)} of ${fusedName}; ` +
      `${ort.variant} (ORT's own optimizer at its best) runs ${ratio(ort)}. ` +
      `${removedByOrt} of the ${Math.max(0, baseline.nodes - fused.nodes)} nodes the fusion ` +
      `seems to save against ${options.baseline} are ones ONNX Runtime removes by itself.`,
    "nobody deploys with ORT's optimizer off: compare with the unfused graph at ort-all (what " +
      "InferenceSession does by default) — the kit's own gain is what is left, a few percent on a CPU.",
  );
}
