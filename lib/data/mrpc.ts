import { join } from "node:path";
import type { HubDownloadOptions, HubSettings } from "../hub/mod.ts";
import { MrpcFormatError } from "./errors.ts";
import { readMrpcParquet } from "./parquet.ts";
import { hubRepoFiles } from "./repo_files.ts";
import {
  isMrpcSplit,
  MRPC_SPLITS,
  type MrpcRow,
  type MrpcSplit,
  validateMrpcRows,
} from "./rows.ts";
import { MRPC_TSV_FILES, readMrpcTsv } from "./tsv.ts";

/** The hub dataset MRPC is read from by default. */
export const MRPC_DATASET = "nyu-mll/glue";

/**
 * The file of each split inside the `nyu-mll/glue` dataset repo.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mrpcParquetFile } from "./mrpc.ts";
 * assert.equal(mrpcParquetFile("validation"), "mrpc/validation-00000-of-00001.parquet");
 * ```
 */
export function mrpcParquetFile(split: MrpcSplit): string {
  return `mrpc/${split}-00000-of-00001.parquet`;
}

/** Where {@link loadMrpc} reads from. */
export interface LoadMrpcOptions {
  /**
   * A local folder of GLUE's MRPC TSV files (`train.tsv`, `dev.tsv`, `test.tsv`); when set, the
   * hub is not used.
   */
  dir?: string;
  /** Hub endpoint, token, offline mode and cache folder; defaults to `hubSettings()`. */
  settings?: HubSettings;
  /** Dataset repo; `nyu-mll/glue` by default. */
  repo?: string;
  /** Dataset revision; `main` by default. */
  revision?: string;
  /** Download progress (see `lib/progress`); the hub client's default is on. */
  progress?: HubDownloadOptions["progress"];
  signal?: AbortSignal;
}

/**
 * Loads one split of GLUE MRPC and validates it (non-empty sentences, labels 0/1, -1 in `test`,
 * `idx` = row position). By default the split's parquet file is downloaded from the hub dataset
 * `nyu-mll/glue` into the cache; with `dir`, GLUE's TSV files in that folder are read instead (the
 * two give identical rows). A malformed file throws {@link MrpcFormatError} naming the file and
 * line (TSV) or column (parquet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadMrpc } from "./mrpc.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(
 *   `${dir}/dev.tsv`,
 *   "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n0\t1\t2\tIt rained.\tIt was \"sunny\".\n",
 * );
 * const rows = await loadMrpc("validation", { dir });
 * assert.deepEqual(rows, [
 *   { sentence1: "It rained.", sentence2: 'It was "sunny".', label: 0, idx: 0 },
 * ]);
 * ```
 */
export async function loadMrpc(
  split: MrpcSplit,
  options: LoadMrpcOptions = {},
): Promise<MrpcRow[]> {
  if (!isMrpcSplit(split)) {
    throw new RangeError(`unknown MRPC split "${split}"; use one of ${MRPC_SPLITS.join(", ")}`);
  }
  if (options.dir) return await loadMrpcTsv(split, options.dir);
  const files = hubRepoFiles({
    repo: options.repo ?? MRPC_DATASET,
    revision: options.revision,
    repoType: "dataset",
    settings: options.settings,
    progress: options.progress,
    signal: options.signal,
  });
  return await readMrpcParquet(await files.path(mrpcParquetFile(split)), split);
}

async function loadMrpcTsv(split: MrpcSplit, dir: string): Promise<MrpcRow[]> {
  const path = join(dir, MRPC_TSV_FILES[split]);
  let rows: MrpcRow[];
  try {
    rows = await readMrpcTsv(path, split);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new MrpcFormatError(
      `${path}: not found; options.dir must be GLUE's MRPC folder with ` +
        `${Object.values(MRPC_TSV_FILES).join(", ")}`,
      { path },
    );
  }
  validateMrpcRows(rows, { split, source: path });
  return rows;
}
