import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 08.1: a 4-bit block size that keeps the weights. */
export const BLOCK_SIZE_EXERCISE = "A 4-bit block small enough to keep the weights";

/** The relative RMS weight error of one block size (a row of `blockSizeErrorTable`). */
export interface BlockSizeError {
  block: number;
  error: number;
}

/** Options of {@link checkBlockSize}. */
export interface BlockSizeOptions {
  /** The block size chosen. */
  blockSize: number;
  /** Errors measured on the model, the chosen block and `limit` among them. */
  errors: readonly BlockSizeError[];
  /** The largest block worth its error (default 128, ONNX Runtime's 4-bit quantizer's default). */
  limit?: number;
  /** Bits per weight (default 4); scales cost 32 bits per block. */
  bits?: number;
}

/** A block size the check needs was not measured; the message says which. */
export class BlockSizeCheckError extends Error {
  override name = "BlockSizeCheckError";
}

/**
 * Checks that a block size for 4-bit weights keeps their error no larger than at block `limit`
 * (128). A block shares one scale, set by its largest weight: the longer the block, the more
 * weights a single large one squeezes onto few levels, while the bits saved shrink to
 * `32 / block` per weight — from 128 to a whole column saves at most a quarter of a bit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBlockSize } from "./block_size.ts";
 * const errors = [{ block: 32, error: 0.097 }, { block: 128, error: 0.118 }, { block: 1024, error: 0.13 }];
 * assert.equal(checkBlockSize({ blockSize: 1024, errors }).passed, false);
 * assert.equal(checkBlockSize({ blockSize: 32, errors }).passed, true);
 * ```
 */
export function checkBlockSize(options: BlockSizeOptions): ExerciseCheck {
  const limit = options.limit ?? 128;
  const bits = options.bits ?? 4;
  const errorOf = (block: number) => {
    const row = options.errors.find((e) => e.block === block);
    if (!row) {
      throw new BlockSizeCheckError(
        `no error measured for block ${block}: include it in blockSizes of blockSizeErrorTable.`,
      );
    }
    return row.error;
  };
  const chosen = errorOf(options.blockSize);
  const bound = errorOf(limit);
  const perWeight = (block: number) => (bits + 32 / block).toFixed(3);
  const passed = chosen <= bound * (1 + 1e-9);
  const trade = passed ? "." : `: ${(100 * (chosen / bound - 1)).toFixed(1)}% more error to ` +
    `save ${(32 / limit - 32 / options.blockSize).toFixed(3)} bits per weight.`;
  return new ExerciseCheck(
    BLOCK_SIZE_EXERCISE,
    passed,
    `block ${options.blockSize}: ${perWeight(options.blockSize)} bits per weight, relative RMS ` +
      `error ${chosen.toFixed(4)}; block ${limit}: ${perWeight(limit)} bits, error ` +
      `${bound.toFixed(4)}${trade}`,
    `one scale per ${options.blockSize} weights is set by the largest of them: take a block of ` +
      `${limit} or less (transformers.js's q4 uses 32); beyond it the scales cost little ` +
      "anyway, 32 bits per block.",
  );
}
