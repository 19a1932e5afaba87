/**
 * Tables of the weight-only and SmoothQuant lesson (notebook 08): the bit budget of each weight
 * format, weight error against block size, and the outlier channels of Linear inputs before and
 * after smoothing. Pure functions of models and results.
 *
 * @module
 */

import { Table } from "../display/mod.ts";
import { findLinears, type Model, tensorToFloat32 } from "../onnx/mod.ts";
import { dequantizeBlockwise, quantizeBlockwise } from "./block_quant.ts";
import type { LinearInputStats } from "./linear_inputs.ts";
import type { SmoothedGroup } from "./smooth_quant.ts";

/**
 * Bits stored per weight by each format: the values plus their share of the per-block scale
 * (and zero point) — why 4-bit weights cost 4.5–5 bits, and why blocks of 16 cost more than 128.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bitBudgetTable } from "./weight_only_figures.ts";
 * const t = bitBudgetTable({ blockSizes: [32] });
 * assert.equal(t.rows.find((r) => r.format === "q4 block 32, fp32 scales")!["bits / weight"], 5);
 * ```
 */
export function bitBudgetTable(o: { blockSizes?: readonly number[] } = {}): Table {
  const rows: Record<string, string | number>[] = [
    { format: "fp32", "bits / weight": 32, note: "" },
    { format: "fp16", "bits / weight": 16, note: "" },
    { format: "int8 per channel", "bits / weight": 8, note: "+ one scale per output (≈ 0)" },
  ];
  for (const b of o.blockSizes ?? [16, 32, 64, 128]) {
    rows.push(
      { format: `q4 block ${b}, fp32 scales`, "bits / weight": 4 + 32 / b, note: "symmetric" },
      { format: `q4 block ${b}, fp16 scales`, "bits / weight": 4 + 16 / b, note: "q4f16" },
      {
        format: `q4 block ${b}, asymmetric`,
        "bits / weight": 4 + (32 + 4) / b,
        note: "+ 4-bit zero point",
      },
    );
  }
  rows.push({ format: "bnb4 (NF4) block 64", "bits / weight": 4 + 32 / 64, note: "absmax" });
  return new Table(rows, { title: "The bit budget of a weight", digits: 3 });
}

/**
 * Relative RMS error of every Linear's weights quantized round-to-nearest, per block size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { blockSizeErrorTable } from "./weight_only_figures.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 32, nLayers: 1, nHeads: 2, hiddenDim: 64, maxPositionEmbeddings: 8 };
 * const model = buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 1 }));
 * const t = blockSizeErrorTable(model, { blockSizes: [16, 32] });
 * assert.ok(Number(t.rows[0]["relative RMS error"]) < Number(t.rows[1]["relative RMS error"]));
 * ```
 */
export function blockSizeErrorTable(
  model: Model,
  o: { blockSizes?: readonly number[]; bits?: 4 | 8 } = {},
): Table {
  const linears = findLinears(model.graph, { bias: false }).filter((l) => !l.transposed);
  const rows = (o.blockSizes ?? [16, 32, 64, 128]).map((blockSize) => {
    let err = 0;
    let norm = 0;
    for (const l of linears) {
      const w = tensorToFloat32(l.weight);
      const [k, n] = l.weight.dims;
      const back = dequantizeBlockwise(
        quantizeBlockwise(w, { k, n }, { bits: o.bits ?? 4, blockSize }),
      );
      for (let i = 0; i < w.length; i++) {
        err += (w[i] - back[i]) ** 2;
        norm += w[i] ** 2;
      }
    }
    return {
      block: blockSize,
      "bits / weight": (o.bits ?? 4) + 32 / blockSize,
      "relative RMS error": Math.sqrt(err / norm),
    };
  });
  return new Table(rows, {
    title: `Weight error of ${o.bits ?? 4}-bit RTN against block size`,
    digits: 4,
  });
}

/**
 * The largest input channels of each smoothed group before and after SmoothQuant: max|X_j| and
 * the smoothing scale s_j of the `top` channels, and the widest channel after.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outlierChannelsTable } from "./weight_only_figures.ts";
 * const stats = new Map([["x", { channels: 3, absMax: Float32Array.from([1, 50, 2]), rows: 1 }]]);
 * const groups = [{ linears: ["fc"], input: "x", alpha: 0.5, folded: "mul" as const,
 *   inputAbsMax: { before: 50, after: 5 }, scales: Float32Array.from([1, 10, 1]) }];
 * const t = outlierChannelsTable(groups, stats, { top: 1 });
 * assert.equal(t.rows[0].channel, 1);
 * assert.equal(t.rows[0]["max|X| after"], 5);
 * ```
 */
export function outlierChannelsTable(
  groups: readonly SmoothedGroup[],
  stats: ReadonlyMap<string, LinearInputStats>,
  o: { top?: number } = {},
): Table {
  const rows: Record<string, string | number>[] = [];
  for (const g of groups) {
    const absMax = stats.get(g.input)?.absMax;
    if (!absMax) continue;
    const order = [...absMax.keys()].sort((a, b) => absMax[b] - absMax[a]);
    let median = [...absMax].sort((a, b) => a - b)[Math.floor(absMax.length / 2)];
    if (!(median > 0)) median = 1;
    for (const j of order.slice(0, o.top ?? 3)) {
      rows.push({
        linear: g.linears.join(", "),
        "folded into": g.folded,
        channel: j,
        "max|X| before": absMax[j],
        "× median channel": absMax[j] / median,
        s: g.scales[j],
        "max|X| after": absMax[j] / g.scales[j],
      });
    }
  }
  return new Table(rows, { title: "Outlier input channels before and after smoothing", digits: 3 });
}
