import { stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { CACHE_REPAIR_COMMAND, HubCachePathError } from "./errors.ts";
import type { HubSettings } from "./settings.ts";
import {
  type HubFile,
  type HubRepoType,
  resolveHubFile,
  validateRepoId,
  validateRevision,
} from "./validate.ts";

/** A repo at a revision, as a folder of the cache holds it. */
export interface HubSnapshot {
  repo: string;
  revision?: string;
  repoType?: HubRepoType;
}

function assertInside(path: string, cacheDir: string): string {
  const rel = relative(cacheDir, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new HubCachePathError(path, cacheDir);
  }
  return path;
}

/**
 * The folder of the cache holding everything of one repo, in the hub's own naming:
 * `{cacheDir}/models--{org}--{name}` (or `datasets--…`). Repo ids never contain `--` (validation
 * refuses it), so the folder name maps back to exactly one repo.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubRepoDir } from "./cache.ts";
 * assert.equal(hubRepoDir({ repo: "org/name" }, { cacheDir: "/cache" }), "/cache/models--org--name");
 * ```
 */
export function hubRepoDir(
  snapshot: Pick<HubSnapshot, "repo" | "repoType">,
  settings: Pick<HubSettings, "cacheDir">,
): string {
  const repo = validateRepoId(snapshot.repo);
  const kind = (snapshot.repoType ?? "model") === "dataset" ? "datasets" : "models";
  const cacheDir = resolve(settings.cacheDir);
  return assertInside(join(cacheDir, [kind, ...repo.split("/")].join("--")), cacheDir);
}

/**
 * The folder of the cache holding a repo at a revision:
 * `{cacheDir}/{models|datasets}--{org}--{name}/snapshots/{revision}` (the revision as one folder:
 * `refs/pr/1` → `refs%2Fpr%2F1`). Repo, revision and file are thus separate path parts that can
 * never run into each other (`gpt2@main` + `onnx/config.json` and `gpt2/main@onnx` +
 * `config.json` are different files). Files downloaded with `hubDownload` sit below it under their
 * repo paths, so this folder can be given to loaders that take a local model folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubSnapshotDir } from "./cache.ts";
 * assert.equal(
 *   hubSnapshotDir({ repo: "org/name" }, { cacheDir: "/cache" }),
 *   "/cache/models--org--name/snapshots/main",
 * );
 * ```
 */
export function hubSnapshotDir(
  snapshot: HubSnapshot,
  settings: Pick<HubSettings, "cacheDir">,
): string {
  const revision = validateRevision(snapshot.revision ?? "main");
  const cacheDir = resolve(settings.cacheDir);
  return assertInside(
    join(hubRepoDir(snapshot, { cacheDir }), "snapshots", encodeURIComponent(revision)),
    cacheDir,
  );
}

/**
 * Where the kit records what it verified of a cached file (size and SHA-256, see
 * `lib/hub/integrity.ts`): `{repo folder}/integrity/{revision}/{file}.json`, outside the snapshot
 * folder so loaders given the snapshot never see it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubIntegrityPath } from "./cache.ts";
 * assert.equal(
 *   hubIntegrityPath({ repo: "org/name", file: "onnx/model.onnx" }, { cacheDir: "/cache" }),
 *   "/cache/models--org--name/integrity/main/onnx/model.onnx.json",
 * );
 * ```
 */
export function hubIntegrityPath(ref: HubFile, settings: Pick<HubSettings, "cacheDir">): string {
  const resolved = resolveHubFile(ref);
  const cacheDir = resolve(settings.cacheDir);
  const dir = join(
    hubRepoDir(resolved, { cacheDir }),
    "integrity",
    encodeURIComponent(resolved.revision),
  );
  return assertInside(join(dir, ...resolved.file.split("/")) + ".json", cacheDir);
}

/**
 * Where a hub file is kept in the cache: `{snapshot folder}/{file}` (see {@linkcode hubSnapshotDir}).
 * Validates the reference and checks the path stays inside the cache folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubCachePath } from "./cache.ts";
 * assert.equal(
 *   hubCachePath({ repo: "nyu-mll/glue", file: "mrpc/train-00000-of-00001.parquet", repoType: "dataset" }, { cacheDir: "/cache" }),
 *   "/cache/datasets--nyu-mll--glue/snapshots/main/mrpc/train-00000-of-00001.parquet",
 * );
 * ```
 */
export function hubCachePath(ref: HubFile, settings: Pick<HubSettings, "cacheDir">): string {
  const resolved = resolveHubFile(ref);
  const cacheDir = resolve(settings.cacheDir);
  const path = join(hubSnapshotDir(resolved, { cacheDir }), ...resolved.file.split("/"));
  return assertInside(path, cacheDir);
}

/**
 * The cached file's path when it is in the cache (a regular file under its final name; partial
 * downloads, named `.{name}.tmp-…`, never count), else `undefined`. Never touches the network.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubCachedPath } from "./cache.ts";
 * const cacheDir = await Deno.makeTempDir();
 * assert.equal(await hubCachedPath({ repo: "org/name", file: "config.json" }, { cacheDir }), undefined);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function hubCachedPath(
  ref: HubFile,
  settings: Pick<HubSettings, "cacheDir">,
): Promise<string | undefined> {
  const path = hubCachePath(ref, settings);
  try {
    return (await stat(path)).isFile() ? path : undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/**
 * The sentence a loader adds when a file it could not read is in the hub cache: its path and the
 * command that repairs the cache. Empty for files elsewhere (a local model folder).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cacheRepairHint } from "./cache.ts";
 * assert.match(
 *   cacheRepairHint("/cache/models--a--b/snapshots/main/config.json", { cacheDir: "/cache" }),
 *   /deno task cache verify --fix/,
 * );
 * assert.equal(cacheRepairHint("/elsewhere/config.json", { cacheDir: "/cache" }), "");
 * ```
 */
export function cacheRepairHint(path: string, settings: Pick<HubSettings, "cacheDir">): string {
  const rel = relative(resolve(settings.cacheDir), resolve(path));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return "";
  return `the cached file ${resolve(path)} is damaged: run \`${CACHE_REPAIR_COMMAND}\` (or ` +
    "`deno task cache clean`) and run again to download it anew";
}
