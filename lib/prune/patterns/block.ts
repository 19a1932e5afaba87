/**
 * Block-wise pruning: groups are `rows × cols` blocks of a weight in PyTorch's `[out, in]`
 * layout — `4x1` is four output units × one input, `1x4` one output unit × four consecutive
 * inputs (Intel Neural Compressor's DistilBERT-MRPC recipe uses 4x1). A block's score is the sum
 * of its entries' scores.
 *
 * @module
 */
import type { Tensor, Tensor1D } from "@tensorflow/tfjs";
import { tf } from "../../train/backend.ts";
import { PatternShapeError } from "../errors.ts";
import type { MaskSet } from "../mask.ts";
import type { PrunePattern, PruneUnit } from "./types.ts";

/** Options of {@link blockPattern}. */
export interface BlockOptions {
  /** Block height: output units (rows of `[out, in]`). */
  rows: number;
  /** Block width: inputs (columns of `[out, in]`). */
  cols: number;
}

function blockUnit(
  name: string,
  shape: readonly number[],
  { rows, cols }: BlockOptions,
): PruneUnit {
  const [out, inputs] = shape;
  const blockRows = out / rows;
  const blockCols = inputs / cols;
  const groups = blockRows * blockCols;
  const blockOf = (i: number) => {
    const r = Math.floor(i / inputs);
    const c = i - r * inputs;
    return Math.floor(r / rows) * blockCols + Math.floor(c / cols);
  };
  return {
    name,
    weights: new Map([[name, shape]]),
    groups,
    groupSize: rows * cols,
    maxPruned: groups,
    groupScores: (scores) => {
      const s = scores.get(name);
      const sums = new Float64Array(groups);
      if (s) { for (let i = 0; i < s.length; i++) sums[blockOf(i)] += s[i]; }
      return Float32Array.from(sums);
    },
    applyKeep: (keep: Uint8Array, masks: MaskSet) => {
      const mask = masks.get(name)!.mask;
      for (let i = 0; i < mask.length; i++) if (!keep[blockOf(i)]) mask[i] = 0;
    },
    groupSquares: (weight: (name: string) => Tensor) =>
      tf.reshape(
        tf.sum(tf.reshape(tf.square(weight(name)), [blockRows, rows, blockCols, cols]), [1, 3]),
        [groups],
      ) as Tensor1D,
  };
}

/**
 * The `rows × cols` block pattern (`4x1` and `1x4` are registered; `RxC` names parse to it);
 * throws {@link PatternShapeError} when the block does not divide a weight's shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockPattern } from "./block.ts";
 * import { DISTILBERT_BASE } from "../../model/config.ts";
 * const [unit] = blockPattern({ rows: 2, cols: 1 }).units(DISTILBERT_BASE, new Map([["w", [4, 2]]]));
 * assert.deepEqual([...unit.groupScores(new Map([["w", Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8)]]))], [4, 6, 12, 14]);
 * assert.throws(() => blockPattern({ rows: 4, cols: 1 }).units(DISTILBERT_BASE, new Map([["w", [6, 2]]])), /4 does not divide/);
 * ```
 */
export function blockPattern(options: BlockOptions): PrunePattern {
  const { rows, cols } = options;
  const name = `${rows}x${cols}`;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new PatternShapeError(
      `block pattern ${name}: rows and cols must be positive integers (e.g. 4x1 or 1x4).`,
    );
  }
  return {
    name,
    structured: false,
    units: (_config, prunable) =>
      [...prunable].map(([weight, shape]) => {
        const [out, inputs] = shape;
        const bad = shape.length !== 2
          ? `${weight} is not a matrix`
          : out % rows !== 0
          ? `${rows} does not divide the ${out} rows (outputs) of ${weight} [${shape.join(", ")}]`
          : inputs % cols !== 0
          ? `${cols} does not divide the ${inputs} columns (inputs) of ${weight} [${
            shape.join(", ")
          }]`
          : undefined;
        if (bad) {
          throw new PatternShapeError(
            `pattern ${name}: ${bad}; pick a block that divides every pruned weight, or leave ` +
              "the weight out (exclude option).",
          );
        }
        return blockUnit(weight, shape, options);
      }),
  };
}
