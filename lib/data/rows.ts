import { MrpcFormatError } from "./errors.ts";

/** The three MRPC splits, named as on the hub (`validation` is GLUE's `dev.tsv`). */
export type MrpcSplit = "train" | "validation" | "test";

/** All MRPC splits, in the hub's order. */
export const MRPC_SPLITS: readonly MrpcSplit[] = ["train", "validation", "test"];

/** Rows per split in GLUE MRPC (the hub's parquet and GLUE's TSVs agree). */
export const MRPC_SPLIT_SIZES: Readonly<Record<MrpcSplit, number>> = {
  train: 3668,
  validation: 408,
  test: 1725,
};

/**
 * One MRPC sentence pair. `label` is 1 when the sentences are paraphrases, 0 when not, and -1 in
 * the test split (GLUE withholds its labels). `idx` is the 0-based row index within the split.
 */
export interface MrpcRow {
  sentence1: string;
  sentence2: string;
  label: number;
  idx: number;
}

/**
 * Checks that `split` is an MRPC split name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMrpcSplit } from "./rows.ts";
 * assert.equal(isMrpcSplit("validation"), true);
 * assert.equal(isMrpcSplit("dev"), false);
 * ```
 */
export function isMrpcSplit(split: string): split is MrpcSplit {
  return (MRPC_SPLITS as readonly string[]).includes(split);
}

/** Where the rows came from, for error messages. */
export interface ValidateMrpcOptions {
  split: MrpcSplit;
  /** File path (or other description) named in error messages. */
  source: string;
}

/**
 * Validates loaded rows: non-empty sentences, labels 0/1 (exactly -1 in the test split), and `idx`
 * equal to the row position. Throws {@link MrpcFormatError} naming the source and row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateMrpcRows } from "./rows.ts";
 * const rows = [{ sentence1: "a", sentence2: "b", label: 2, idx: 0 }];
 * assert.throws(
 *   () => validateMrpcRows(rows, { split: "train", source: "x.parquet" }),
 *   /x\.parquet: row 0: label 2/,
 * );
 * ```
 */
export function validateMrpcRows(rows: readonly MrpcRow[], options: ValidateMrpcOptions): void {
  const { split, source } = options;
  if (rows.length === 0) {
    throw new MrpcFormatError(`${source}: the ${split} split has no rows`, { path: source });
  }
  rows.forEach((row, i) => {
    const where = `${source}: row ${i}`;
    for (const key of ["sentence1", "sentence2"] as const) {
      if (typeof row[key] !== "string" || row[key].trim() === "") {
        throw new MrpcFormatError(`${where}: ${key} is empty`, { path: source });
      }
    }
    if (split === "test") {
      if (row.label !== -1) {
        throw new MrpcFormatError(
          `${where}: label ${row.label} in the test split, expected -1 (GLUE withholds test labels)`,
          { path: source },
        );
      }
    } else if (row.label !== 0 && row.label !== 1) {
      throw new MrpcFormatError(`${where}: label ${row.label} is not 0 or 1`, { path: source });
    }
    if (row.idx !== i) {
      throw new MrpcFormatError(`${where}: idx ${row.idx}, expected ${i} (the row position)`, {
        path: source,
      });
    }
  });
}
