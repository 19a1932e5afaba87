import type { MrpcRow } from "./rows.ts";

/**
 * MRPC rows as a danfojs DataFrame with word counts, for exploring the data in a notebook
 * (`df.head()`, `df.groupby(["label"]).mean()`, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mrpcDataFrame } from "./frame.ts";
 * const df = await mrpcDataFrame([{ sentence1: "a b", sentence2: "c", label: 1, idx: 0 }]);
 * assert.deepEqual(df.columns, ["idx", "label", "words1", "words2", "sentence1", "sentence2"]);
 * ```
 */
export async function mrpcDataFrame(
  rows: readonly MrpcRow[],
): Promise<import("danfojs").DataFrame> {
  const { DataFrame } = await import("danfojs");
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;
  return new DataFrame(rows.map((r) => ({
    idx: r.idx,
    label: r.label,
    words1: words(r.sentence1),
    words2: words(r.sentence2),
    sentence1: r.sentence1,
    sentence2: r.sentence2,
  })));
}
