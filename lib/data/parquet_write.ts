import { parquetWriteBuffer } from "hyparquet-writer";
import type { MrpcRow } from "./rows.ts";

/**
 * Encodes MRPC rows as a parquet file in the hub's `nyu-mll/glue` layout (columns `sentence1`,
 * `sentence2` string, `label` int64, `idx` int32; SNAPPY-compressed, one row group), the form
 * {@link readMrpcParquet} reads. Write the result with `writeFileAtomic` from `lib/fs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMrpcParquet, serializeMrpcParquet } from "./mod.ts";
 * const rows = [{ sentence1: "A cat.", sentence2: "A kitten.", label: 1, idx: 0 }];
 * const path = `${await Deno.makeTempDir()}/train.parquet`;
 * await Deno.writeFile(path, serializeMrpcParquet(rows));
 * assert.deepEqual(await readMrpcParquet(path, "train"), rows);
 * ```
 */
export function serializeMrpcParquet(rows: readonly MrpcRow[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "sentence1", data: rows.map((r) => r.sentence1), type: "STRING" },
      { name: "sentence2", data: rows.map((r) => r.sentence2), type: "STRING" },
      { name: "label", data: rows.map((r) => BigInt(r.label)), type: "INT64" },
      { name: "idx", data: rows.map((r) => r.idx), type: "INT32" },
    ],
  });
  return new Uint8Array(buffer);
}
