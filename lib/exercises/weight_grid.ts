/** Options of {@link compareWeightGrids}. */
export interface CompareWeightGridsOptions {
  /** The weight as training simulated it (fake-quantized), row-major `[in, out]` (ONNX MatMul). */
  simulated: ArrayLike<number>;
  /** The same weight as the exported model dequantizes it, same layout. */
  exported: ArrayLike<number>;
  dims: readonly [number, number];
}

/** Where a simulated weight and its export differ. */
export interface WeightGridComparison {
  weights: number;
  /** Weights whose simulated value differs from the exported one (beyond float32 noise). */
  mismatched: number;
  /** Largest |simulated − exported|, relative to the largest |exported|. */
  worstRelative: number;
  /** Most distinct values in one output channel (column): the levels each grid uses. */
  levels: { simulated: number; exported: number };
}

/**
 * Compares the weight grid training simulated with the one the exported model computes with:
 * how many weights land on another value, by how much, and how many levels each uses per
 * output channel (255 for 8-bit symmetric weights, 129 for 7-bit `reduce_range`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareWeightGrids } from "./weight_grid.ts";
 * const c = compareWeightGrids({ simulated: [0.5, 1, 0.25, 1], exported: [0.5, 1, 0, 1], dims: [2, 2] });
 * assert.deepEqual([c.mismatched, c.worstRelative], [1, 0.25]);
 * assert.deepEqual(c.levels, { simulated: 2, exported: 2 });
 * ```
 */
export function compareWeightGrids(options: CompareWeightGridsOptions): WeightGridComparison {
  const { simulated, exported } = options;
  const [rows, cols] = options.dims;
  let maxAbs = 0;
  for (let i = 0; i < exported.length; i++) maxAbs = Math.max(maxAbs, Math.abs(exported[i]));
  const noise = maxAbs * 1e-6;
  let mismatched = 0;
  let worst = 0;
  for (let i = 0; i < exported.length; i++) {
    const d = Math.abs(simulated[i] - exported[i]);
    if (d > noise) mismatched++;
    worst = Math.max(worst, d);
  }
  const levels = (values: ArrayLike<number>) => {
    let most = 0;
    for (let c = 0; c < cols; c++) {
      const seen = new Set<number>();
      for (let r = 0; r < rows; r++) seen.add(values[r * cols + c]);
      most = Math.max(most, seen.size);
    }
    return most;
  };
  return {
    weights: exported.length,
    mismatched,
    worstRelative: maxAbs > 0 ? worst / maxAbs : 0,
    levels: { simulated: levels(simulated), exported: levels(exported) },
  };
}
