import { gunzipSync } from "fflate";
import { type Compressors, parquetMetadata, parquetReadObjects } from "hyparquet";
import { CACHE_REPAIR_COMMAND } from "../hub/mod.ts";
import { MrpcFormatError } from "./errors.ts";
import { type MrpcRow, type MrpcSplit, validateMrpcRows } from "./rows.ts";

/** The columns of the hub's GLUE MRPC parquet files. */
export const MRPC_PARQUET_COLUMNS = ["sentence1", "sentence2", "label", "idx"] as const;

/**
 * Codecs the reader decodes: hyparquet decodes SNAPPY (what the hub's `nyu-mll/glue` files use) and
 * UNCOMPRESSED itself; GZIP goes through fflate.
 */
const COMPRESSORS: Compressors = {
  GZIP: (input: Uint8Array) => gunzipSync(input),
};
const SUPPORTED_CODECS = new Set(["UNCOMPRESSED", "SNAPPY", "GZIP"]);

/**
 * Reads one split of MRPC from a parquet file in the hub's layout (columns `sentence1`,
 * `sentence2`, `label` int64, `idx` int32) and validates it: labels 0/1 (-1 in `test`), non-empty
 * sentences, `idx` equal to the row position. A missing column, an unsupported compression codec
 * or an invalid row throws {@link MrpcFormatError} naming the file (and column or row).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileURLToPath } from "node:url";
 * import { readMrpcParquet } from "./parquet.ts";
 * const path = fileURLToPath(new URL("../../data/fixtures/mrpc/gzip.parquet", import.meta.url));
 * const rows = await readMrpcParquet(path, "train");
 * assert.equal(rows.length, 3);
 * assert.deepEqual(rows[1], { sentence1: 'He said "yes".', sentence2: "He agreed.", label: 1, idx: 1 });
 * ```
 */
export async function readMrpcParquet(path: string, split: MrpcSplit): Promise<MrpcRow[]> {
  const bytes = await Deno.readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let metadata;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw damaged(path, "not a readable parquet file", error);
  }
  checkColumns(path, metadata.schema.slice(1).map((element) => element.name));
  for (const group of metadata.row_groups) {
    for (const column of group.columns) {
      const codec = column.meta_data?.codec;
      if (codec && !SUPPORTED_CODECS.has(codec)) {
        throw new MrpcFormatError(
          `${path}: column "${column.meta_data?.path_in_schema.join(".")}" is compressed with ` +
            `${codec}; the kit reads ${[...SUPPORTED_CODECS].join(", ")} (re-save the file with ` +
            `snappy compression)`,
          { path },
        );
      }
    }
  }
  let objects: Awaited<ReturnType<typeof parquetReadObjects>>;
  try {
    objects = await parquetReadObjects({
      file,
      metadata,
      columns: [...MRPC_PARQUET_COLUMNS],
      compressors: COMPRESSORS,
    });
  } catch (error) {
    throw damaged(path, "its data pages cannot be decoded", error);
  }
  const rows = objects.map((object): MrpcRow => ({
    sentence1: object.sentence1,
    sentence2: object.sentence2,
    label: toNumber(object.label),
    idx: toNumber(object.idx),
  }));
  validateMrpcRows(rows, { split, source: path });
  return rows;
}

/** The error for a parquet body that cannot be decoded: the file, the cause and the fix. */
function damaged(path: string, what: string, cause: unknown): MrpcFormatError {
  const error = new MrpcFormatError(
    `${path}: ${what} (${(cause as Error)?.message ?? cause}); the file is damaged or ` +
      "truncated. If it is a download in the hub cache, delete it (or run " +
      `\`${CACHE_REPAIR_COMMAND}\`, then \`deno task cache clean\` if it persists) and run ` +
      "again to download it anew; otherwise replace it with a good copy",
    { path },
  );
  error.cause = cause;
  return error;
}

function checkColumns(path: string, names: string[]): void {
  for (const column of MRPC_PARQUET_COLUMNS) {
    if (!names.includes(column)) {
      throw new MrpcFormatError(
        `${path}: parquet file has no column "${column}" (it has ${
          names.map((name) => `"${name}"`).join(", ")
        }); MRPC parquet files need ${MRPC_PARQUET_COLUMNS.join(", ")}`,
        { path },
      );
    }
  }
}

function toNumber(value: unknown): number {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  return Number.NaN; // null or another type: validation reports the row
}
