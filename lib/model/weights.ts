/**
 * A model's weights by their PyTorch state-dict names (for DistilBERT:
 * `distilbert.embeddings.word_embeddings.weight`, `pre_classifier.weight`, …), as read from
 * `model.safetensors` or `pytorch_model.bin`, made by `randomDistilBertWeights`, or trained in
 * `lib/train`. The ONNX builder and the training engine both consume this one map, so a model
 * moves between them without loss.
 */
export interface WeightTensor {
  /** Dimensions, outermost first (PyTorch order: a Linear weight is `[out, in]`). */
  shape: number[];
  /** Values in row-major order, converted to float32 whatever the file stored. */
  data: Float32Array;
}

/** State-dict name → tensor. */
export type WeightMap = Map<string, WeightTensor>;

/** Number of elements of a tensor with these dimensions. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A row-major `[rows, cols]` matrix transposed to `[cols, rows]` (in 32×32 tiles, so both sides
 * are read and written cache-friendly): PyTorch's Linear `[out, in]` ↔ ONNX MatMul's `[in, out]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transpose2d } from "./weights.ts";
 * const m = Float32Array.of(1, 2, 3, 4, 5, 6); // [[1, 2, 3], [4, 5, 6]]
 * assert.deepEqual(Array.from(transpose2d(m, 2, 3)), [1, 4, 2, 5, 3, 6]);
 * ```
 */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const tile = 32;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(r0 + tile, rows);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(c0 + tile, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) out[c * rows + r] = data[r * cols + c];
      }
    }
  }
  return out;
}
