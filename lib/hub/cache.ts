import { stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { HubCachePathError } from "./errors.ts";
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
 * The folder of the cache holding a repo at a revision:
 * `{cacheDir}/{models|datasets}/{repo}/{revision}` (the revision as one folder: `refs/pr/1` →
 * `refs%2Fpr%2F1`). Files downloaded with `hubDownload` sit below it under their repo paths, so
 * this folder can be given to loaders that take a local model folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubSnapshotDir } from "./cache.ts";
 * assert.equal(
 *   hubSnapshotDir({ repo: "org/name" }, { cacheDir: "/cache" }),
 *   "/cache/models/org/name/main",
 * );
 * ```
 */
export function hubSnapshotDir(
  snapshot: HubSnapshot,
  settings: Pick<HubSettings, "cacheDir">,
): string {
  const repo = validateRepoId(snapshot.repo);
  const revision = validateRevision(snapshot.revision ?? "main");
  const kind = (snapshot.repoType ?? "model") === "dataset" ? "datasets" : "models";
  const cacheDir = resolve(settings.cacheDir);
  return assertInside(
    join(cacheDir, kind, ...repo.split("/"), encodeURIComponent(revision)),
    cacheDir,
  );
}

/**
 * Where a hub file is kept in the cache: `{cacheDir}/{models|datasets}/{repo}/{revision}/{file}`.
 * Validates the reference and checks the path stays inside the cache folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubCachePath } from "./cache.ts";
 * assert.equal(
 *   hubCachePath({ repo: "nyu-mll/glue", file: "mrpc/train-00000-of-00001.parquet", repoType: "dataset" }, { cacheDir: "/cache" }),
 *   "/cache/datasets/nyu-mll/glue/main/mrpc/train-00000-of-00001.parquet",
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
