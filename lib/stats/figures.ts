import { Figure, Table } from "../display/mod.ts";
import type { VariantComparison } from "./compare_variants.ts";
import { formatInterval } from "./interval.ts";

/**
 * A histogram per variant of how far compression moved each row's logit margin (candidate −
 * FP32, for FP32's class): mass left of 0 moves rows towards a flip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareVariants, marginShiftFigure } from "./mod.ts";
 * const c = compareVariants({
 *   labels: [0, 1], numLabels: 2, resamples: 10,
 *   reference: { name: "fp32", logits: [1, 0, 0, 1] },
 *   candidates: [{ name: "int8", logits: [0.9, 0, 0, 1.2] }],
 * });
 * assert.equal(marginShiftFigure(c).data.length, 1);
 * ```
 */
export function marginShiftFigure(comparison: VariantComparison): Figure {
  return new Figure(
    Object.entries(comparison.candidates).map(([name, c]) => ({
      type: "histogram",
      x: c.marginShift,
      name,
      opacity: 0.6,
      nbinsx: 40,
    })),
    {
      title: { text: `Logit margin shift against ${comparison.reference}` },
      barmode: "overlay",
      xaxis: { title: { text: "margin shift (negative: towards a flip)" } },
      yaxis: { title: { text: "pairs" } },
      height: 360,
    },
  );
}

/**
 * The agreement matrix as a heatmap: the share of rows two variants predict alike.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { agreementFigure, compareVariants } from "./mod.ts";
 * const c = compareVariants({
 *   labels: [0, 1], numLabels: 2, resamples: 10,
 *   reference: { name: "fp32", logits: [1, 0, 0, 1] },
 *   candidates: [{ name: "int8", logits: [1, 0, 1, 0] }],
 * });
 * assert.deepEqual(agreementFigure(c).data[0].z, [[1, 0.5], [0.5, 1]]);
 * ```
 */
export function agreementFigure(comparison: VariantComparison): Figure {
  const { names, matrix } = comparison.agreement;
  return new Figure([{
    type: "heatmap",
    x: names,
    y: names,
    z: matrix,
    zmin: Math.min(...matrix.flat(), 0.9),
    zmax: 1,
    colorscale: "Blues",
    text: matrix.map((row) => row.map((v) => v.toFixed(3))),
    texttemplate: "%{text}",
  }], {
    title: { text: "Prediction agreement between variants" },
    yaxis: { autorange: "reversed" },
    height: 320 + 20 * names.length,
  });
}

/**
 * One row per variant: accuracy and F1 with their intervals, the paired delta to the reference,
 * McNemar's p-value, the flips, and whether the difference is within noise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareVariants, comparisonTable } from "./mod.ts";
 * const c = compareVariants({
 *   labels: [0, 1], numLabels: 2, resamples: 10,
 *   reference: { name: "fp32", logits: [1, 0, 0, 1] },
 *   candidates: [{ name: "int8", logits: [1, 0, 0, 1] }],
 * });
 * assert.equal(comparisonTable(c).rows[1]["vs fp32"], "within noise");
 * ```
 */
export function comparisonTable(comparison: VariantComparison): Table {
  const pct = Math.round(comparison.level * 100);
  return new Table(
    Object.entries(comparison.intervals).map(([name, ci]) => {
      const c = comparison.candidates[name];
      return {
        variant: name,
        [`accuracy [${pct}% CI]`]: formatInterval(ci.accuracy),
        [`F1 [${pct}% CI]`]: formatInterval(ci.f1),
        "Δ accuracy": ci.accuracyDelta ? formatInterval(ci.accuracyDelta) : "",
        "Δ F1": ci.f1Delta ? formatInterval(ci.f1Delta) : "",
        "McNemar p": c ? c.mcnemar.pValue : undefined,
        "flips (fixed/broken)": c ? `${c.flipped.length} (${c.fixed}/${c.broken})` : "",
        [`vs ${comparison.reference}`]: c ? (c.withinNoise ? "within noise" : "differs") : "",
      };
    }),
    {
      title: `${comparison.rows} rows, paired bootstrap (${comparison.resamples} resamples, ` +
        `seed ${comparison.seed}), exact McNemar`,
      digits: 3,
    },
  );
}

/**
 * The most fragile rows: their sentences, label, FP32 margin, the worst variant's margin and the
 * variants that flip them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareVariants, fragileTable } from "./mod.ts";
 * const c = compareVariants({
 *   labels: [0, 1], numLabels: 2, resamples: 10, texts: [{ sentence1: "a", sentence2: "b" }, { sentence1: "c", sentence2: "d" }],
 *   reference: { name: "fp32", logits: [1, 0, 0, 1] },
 *   candidates: [{ name: "int8", logits: [1, 0, 1, 0] }],
 * });
 * assert.equal(fragileTable(c).rows[0].sentence1, "c");
 * ```
 */
export function fragileTable(comparison: VariantComparison): Table {
  return new Table(
    comparison.fragile.map((row) => ({
      row: row.index,
      sentence1: row.sentence1,
      sentence2: row.sentence2,
      label: row.label,
      [`${comparison.reference} margin`]: row.referenceMargin,
      "worst margin": row.worstMargin,
      "worst variant": row.worstVariant,
      "flipped by": row.flippedBy.join(", "),
    })),
    { title: "The most fragile pairs (smallest margin under any variant)", digits: 3 },
  );
}
