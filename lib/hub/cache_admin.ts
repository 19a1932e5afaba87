/**
 * Inspecting and repairing the hub cache (`deno task cache list|verify|clean`).
 *
 * @module
 */
import { join, relative } from "node:path";
import { hubIntegrityPath, hubRepoDir } from "./cache.ts";
import { contentProblem } from "./content_check.ts";
import { readIntegrityRecord, sha256OfFile } from "./integrity.ts";
import type { HubSettings } from "./settings.ts";
import { sweepTemporaryFiles, TEMPORARY_NAME } from "./sweep.ts";
import type { ResolvedHubFile } from "./validate.ts";

/** One file of the hub cache. */
export interface HubCacheEntry extends ResolvedHubFile {
  /** Absolute path. */
  path: string;
  /** Bytes on disk. */
  size: number;
}

const REPO_FOLDER = /^(models|datasets)--(.+)$/;

async function entriesOf(dir: string): Promise<Deno.DirEntry[]> {
  try {
    return await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

async function filesBelow(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await entriesOf(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await filesBelow(path));
    else if (entry.isFile && !TEMPORARY_NAME.test(entry.name)) found.push(path);
  }
  return found;
}

/**
 * Every complete file of the hub cache (partial `.tmp-` files left out), sorted by repo,
 * revision and file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listHubCache } from "./cache_admin.ts";
 * const cacheDir = await Deno.makeTempDir();
 * await Deno.mkdir(`${cacheDir}/models--org--name/snapshots/main`, { recursive: true });
 * await Deno.writeTextFile(`${cacheDir}/models--org--name/snapshots/main/config.json`, "{}");
 * const [entry] = await listHubCache({ cacheDir });
 * assert.deepEqual([entry.repo, entry.revision, entry.file, entry.size], ["org/name", "main", "config.json", 2]);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function listHubCache(
  settings: Pick<HubSettings, "cacheDir">,
): Promise<HubCacheEntry[]> {
  const listed: HubCacheEntry[] = [];
  for (const folder of await entriesOf(settings.cacheDir)) {
    const match = folder.isDirectory ? REPO_FOLDER.exec(folder.name) : null;
    if (!match) continue;
    const repoType = match[1] === "datasets" ? "dataset" : "model";
    const repo = match[2].split("--").join("/");
    const snapshots = join(settings.cacheDir, folder.name, "snapshots");
    for (const snapshot of await entriesOf(snapshots)) {
      if (!snapshot.isDirectory) continue;
      const revision = decodeURIComponent(snapshot.name);
      const root = join(snapshots, snapshot.name);
      for (const path of await filesBelow(root)) {
        const file = relative(root, path).split("\\").join("/");
        listed.push({ repo, repoType, revision, file, path, size: (await Deno.stat(path)).size });
      }
    }
  }
  const key = (e: HubCacheEntry) => `${e.repoType} ${e.repo} ${e.revision} ${e.file}`;
  return listed.sort((a, b) => key(a).localeCompare(key(b)));
}

/** A damaged file (or a leftover partial one) found by {@linkcode verifyHubCache}. */
export interface HubCacheProblem {
  path: string;
  reason: string;
  /** True once `fix` removed it. */
  removed: boolean;
}

/**
 * Why a cached file is damaged, or `undefined`: its size or SHA-256 differ from what was
 * verified when it was downloaded, or its content is not what its name says.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedFileProblem } from "./cache_admin.ts";
 * const cacheDir = await Deno.makeTempDir();
 * const dir = `${cacheDir}/models--org--name/snapshots/main`;
 * await Deno.mkdir(dir, { recursive: true });
 * await Deno.writeTextFile(`${dir}/config.json`, "<html><body>Proxy error</body></html>");
 * const ref = { repo: "org/name", file: "config.json", revision: "main", repoType: "model" as const };
 * assert.match((await cachedFileProblem(ref, `${dir}/config.json`, { cacheDir }))!, /HTML page/);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function cachedFileProblem(
  ref: ResolvedHubFile,
  path: string,
  settings: Pick<HubSettings, "cacheDir">,
): Promise<string | undefined> {
  const record = await readIntegrityRecord(hubIntegrityPath(ref, settings));
  if (record) {
    const { size } = await Deno.stat(path);
    if (size !== record.size) return `it has ${size} bytes, ${record.size} were downloaded`;
    const sha256 = await sha256OfFile(path);
    if (sha256 !== record.sha256) {
      return `its SHA-256 ${sha256} differs from the downloaded file's ${record.sha256}`;
    }
  }
  return await contentProblem(path, ref.file);
}

/** Options of {@linkcode verifyHubCache}. */
export interface VerifyHubCacheOptions {
  /** Remove damaged files (and their records) and partial files, so the next run downloads them. */
  fix?: boolean;
}

/**
 * Checks every cached file ({@linkcode cachedFileProblem}) and finds partial `.tmp-` files;
 * returns the problems (with `fix`, after removing those files).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyHubCache } from "./cache_admin.ts";
 * const cacheDir = await Deno.makeTempDir();
 * const dir = `${cacheDir}/models--org--name/snapshots/main`;
 * await Deno.mkdir(dir, { recursive: true });
 * await Deno.writeTextFile(`${dir}/config.json`, '{"dim": ');
 * const [problem] = await verifyHubCache({ cacheDir }, { fix: true });
 * assert.match(problem.reason, /not valid JSON/);
 * assert.equal(problem.removed, true);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function verifyHubCache(
  settings: Pick<HubSettings, "cacheDir">,
  options: VerifyHubCacheOptions = {},
): Promise<HubCacheProblem[]> {
  const problems: HubCacheProblem[] = [];
  for (const entry of await listHubCache(settings)) {
    const reason = await cachedFileProblem(entry, entry.path, settings);
    if (reason === undefined) continue;
    if (options.fix) {
      await Deno.remove(entry.path);
      await Deno.remove(hubIntegrityPath(entry, settings)).catch(() => {});
    }
    problems.push({ path: entry.path, reason, removed: options.fix === true });
  }
  const partial = await sweepTemporaryFiles(settings.cacheDir, {
    olderThanMs: 0,
    dryRun: !options.fix,
  });
  for (const path of partial) {
    problems.push({
      path,
      reason: "partial download of an interrupted run",
      removed: !!options.fix,
    });
  }
  return problems;
}

/** Options of {@linkcode cleanHubCache}. */
export interface CleanHubCacheOptions {
  /** Remove only this repo's folder (`org/name`). Default: the whole cache. */
  repo?: string;
  repoType?: "model" | "dataset";
}

/**
 * Removes the whole hub cache folder, or one repo's folder; returns what was removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cleanHubCache } from "./cache_admin.ts";
 * const cacheDir = await Deno.makeTempDir();
 * await Deno.mkdir(`${cacheDir}/models--org--name/snapshots/main`, { recursive: true });
 * assert.deepEqual(await cleanHubCache({ cacheDir }, { repo: "org/name" }), [`${cacheDir}/models--org--name`]);
 * assert.deepEqual([...Deno.readDirSync(cacheDir)], []);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function cleanHubCache(
  settings: Pick<HubSettings, "cacheDir">,
  options: CleanHubCacheOptions = {},
): Promise<string[]> {
  const target = options.repo === undefined
    ? settings.cacheDir
    : hubRepoDir({ repo: options.repo, repoType: options.repoType }, settings);
  try {
    await Deno.remove(target, { recursive: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return [target];
}
