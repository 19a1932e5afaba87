/**
 * Whole-folder atomic writes: a run builds its output folder `DIR` in a sibling
 * `DIR.tmp-<pid>-<random>` and swaps it in when complete, so `DIR` always holds one whole run —
 * the previous one or the new one, never a mix.
 *
 * The swap is two renames done synchronously (no signal handler can run between them): `DIR` →
 * `DIR.old-<pid>-<random>`, then `DIR.tmp-…` → `DIR`; the old folder is removed afterwards. A
 * process killed outright (SIGKILL, power loss) can stop at any point; the next write of `DIR`
 * recovers from the names alone ({@link recoverOutputDir}):
 *
 * | killed while               | left on disk                    | recovery                           |
 * | -------------------------- | ------------------------------- | ---------------------------------- |
 * | building                   | `DIR` (previous), `DIR.tmp-…`   | remove `DIR.tmp-…`                 |
 * | between the two renames    | `DIR.old-…` (previous), no DIR  | rename `DIR.old-…` back to `DIR`   |
 * | removing the old folder    | `DIR` (new), `DIR.old-…`        | remove `DIR.old-…`                 |
 *
 * SIGINT and SIGTERM remove the temporary folder and exit (lib/fs/interrupt.ts). Leftovers whose
 * process is still running are left alone, so concurrent runs do not sweep each other's work.
 *
 * A folder is replaced only when it is empty or was written by this module (it holds the marker
 * file {@link RUN_MARKER}), so `--out` pointed at a folder of other files is refused, not wiped.
 *
 * @module
 */
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { removeOnInterrupt } from "./interrupt.ts";

/** The marker file inside every folder {@link writeDirAtomic} wrote: the folder is a whole run. */
export const RUN_MARKER = ".workshop-run";

const MARKER_TEXT = JSON.stringify({ writer: "workshop kit", whole: true }) + "\n";
const TMP = ".tmp-";
const OLD = ".old-";
/** Leftovers of unknown owner (no process table to ask) count as stale after this long. */
const UNKNOWN_OWNER_STALE_MS = 60 * 60 * 1000;

/** Paths this process is building or removing now: never stale, whatever the process table says. */
const ownPaths = new Set<string>();

/** An output folder cannot be written: the message names the path and what to pass instead. */
export class OutputDirError extends Error {
  override name = "OutputDirError";
}

function randomSuffix(): string {
  return `${Deno.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
}

function refuseForeignFolder(path: string, entries: string[]): void {
  if (entries.length === 0 || entries.includes(RUN_MARKER)) return;
  const shown = entries.toSorted().slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
  throw new OutputDirError(
    `${path} holds files the kit did not write (${shown}; no ${RUN_MARKER} marker). A run ` +
      `replaces its output folder as a whole, so it will not replace this one: pass a new or ` +
      `empty folder, or the folder of an earlier run.`,
  );
}

/**
 * Checks, before any work, that `dir` can receive a run's output: not an empty path, not a file
 * (nor under one), and either missing, empty or the folder of an earlier run. Returns the
 * absolute path; throws {@link OutputDirError} naming the path and the fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOutputDir } from "./atomic_dir.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/file`, "x");
 * assert.equal(await checkOutputDir(`${dir}/run`), `${dir}/run`);
 * await assert.rejects(checkOutputDir(`${dir}/file`), /is a file/);
 * await assert.rejects(checkOutputDir(""), /empty path/);
 * ```
 */
export async function checkOutputDir(dir: string): Promise<string> {
  if (dir.trim() === "") {
    throw new OutputDirError(
      `The output folder is an empty path (${JSON.stringify(dir)}), which would mean the ` +
        `current folder ${Deno.cwd()}: pass the folder to write, e.g. out/run1.`,
    );
  }
  const path = resolve(dir);
  const info = await statOrUndefined(path);
  if (info) {
    if (!info.isDirectory) {
      throw new OutputDirError(
        `${path} is a file, not a folder: the run writes a folder there. Pass a folder path ` +
          `(new, empty, or an earlier run's output), or move the file away.`,
      );
    }
    refuseForeignFolder(path, await readdir(path));
    return path;
  }
  for (let parent = dirname(path);; parent = dirname(parent)) {
    const above = await statOrUndefined(parent);
    if (above && !above.isDirectory) {
      throw new OutputDirError(
        `${path} cannot be created: ${parent} is a file, not a folder. Pass an output folder ` +
          `whose parents are folders, or move ${parent} away.`,
      );
    }
    if (above || parent === dirname(parent)) return path;
  }
}

/** The process that owns leftover `name` still runs (`undefined`: cannot tell). */
function ownerAlive(path: string, name: string, kind: string): boolean | undefined {
  if (ownPaths.has(path)) return true;
  const pid = Number(/^(\d+)-/.exec(name.slice(name.indexOf(kind) + kind.length))?.[1]);
  if (!Number.isInteger(pid)) return undefined;
  if (pid === Deno.pid) return false; // not one of ours now: an earlier process with our pid
  if (Deno.build.os !== "linux") return undefined;
  return existsSync(`/proc/${pid}`);
}

async function isStale(path: string, name: string, kind: string): Promise<boolean> {
  const alive = ownerAlive(path, name, kind);
  if (alive !== undefined) return !alive;
  const info = await statOrUndefined(path);
  return info !== undefined && Date.now() - (info.mtime?.getTime() ?? 0) > UNKNOWN_OWNER_STALE_MS;
}

/** What {@link recoverOutputDir} did. */
export interface RecoveredOutputDir {
  /** The `DIR.old-…` folder renamed back to `DIR` (a run was killed mid-swap). */
  restored?: string;
  /** Leftover `DIR.tmp-…` and `DIR.old-…` folders removed. */
  removed: string[];
}

/**
 * Repairs what a killed run left beside output folder `dir`: when `dir` is missing but a previous
 * run was set aside as `dir.old-…`, renames it back; then removes the stale `dir.tmp-…` and
 * `dir.old-…` folders (those of processes that still run are left alone). Called by
 * {@link writeDirAtomic} before it builds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recoverOutputDir } from "./atomic_dir.ts";
 * const parent = await Deno.makeTempDir();
 * // A run (process 99999999, long gone) was killed between its two renames.
 * await Deno.mkdir(`${parent}/run.old-99999999-x`);
 * await Deno.mkdir(`${parent}/run.tmp-99999999-y`);
 * const done = await recoverOutputDir(`${parent}/run`);
 * assert.equal(done.restored, `${parent}/run.old-99999999-x`);
 * assert.deepEqual(done.removed, [`${parent}/run.tmp-99999999-y`]);
 * assert.ok((await Deno.stat(`${parent}/run`)).isDirectory);
 * ```
 */
export async function recoverOutputDir(dir: string): Promise<RecoveredOutputDir> {
  const path = resolve(dir);
  const parent = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { removed: [] };
    throw error;
  }
  const stale: { path: string; kind: string }[] = [];
  for (const name of names.toSorted()) {
    const kind = [TMP, OLD].find((k) => name.startsWith(base + k));
    if (kind && await isStale(join(parent, name), name, kind)) {
      stale.push({ path: join(parent, name), kind });
    }
  }
  const result: RecoveredOutputDir = { removed: [] };
  if (!existsSync(path)) {
    const olds = stale.filter((s) => s.kind === OLD);
    const times = await Promise.all(olds.map(async (s) => (await stat(s.path)).mtimeMs));
    const newest = olds[times.indexOf(Math.max(...times))];
    if (newest) {
      await rename(newest.path, path);
      result.restored = newest.path;
      stale.splice(stale.indexOf(newest), 1);
    }
  }
  for (const s of stale) {
    await rm(s.path, { recursive: true, force: true });
    result.removed.push(s.path);
  }
  return result;
}

/** Renames `tmp` into `path`, setting aside what is there; returns the set-aside folders. */
function swapInSync(path: string, tmp: string): string[] {
  const setAside: string[] = [];
  for (let attempt = 0;; attempt++) {
    if (existsSync(path)) {
      if (!statSync(path).isDirectory()) {
        throw new OutputDirError(`${path} became a file during the run; move it away and rerun.`);
      }
      refuseForeignFolder(path, readdirSync(path));
      const old = `${path}${OLD}${randomSuffix()}`;
      ownPaths.add(old);
      renameSync(path, old);
      setAside.push(old);
    }
    try {
      renameSync(tmp, path);
      return setAside;
    } catch (error) {
      // Another run swapped its folder in between our two renames: set that one aside too.
      const code = (error as { code?: string }).code;
      if (attempt >= 3 || (code !== "ENOTEMPTY" && code !== "EEXIST")) {
        if (!existsSync(path) && setAside.length > 0) renameSync(setAside.pop()!, path);
        throw error;
      }
    }
  }
}

/**
 * Writes output folder `dir` as a whole: `build` fills a fresh temporary folder beside it
 * (`dir.tmp-…`, its path passed to `build`), which then replaces `dir` in two renames. If `build`
 * throws, or the process gets SIGINT/SIGTERM, the temporary folder is removed and `dir` keeps the
 * previous run untouched. `dir` is checked first ({@link checkOutputDir}) and a killed earlier run
 * is repaired ({@link recoverOutputDir}). Returns what `build` returned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeDirAtomic } from "./atomic_dir.ts";
 * const dir = `${await Deno.makeTempDir()}/run`;
 * await writeDirAtomic(dir, (tmp) => Deno.writeTextFile(`${tmp}/a.txt`, "first"));
 * await assert.rejects(
 *   writeDirAtomic(dir, async (tmp) => {
 *     await Deno.writeTextFile(`${tmp}/a.txt`, "second");
 *     throw new Error("interrupted");
 *   }),
 * );
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "first");
 * ```
 */
export async function writeDirAtomic<T>(
  dir: string,
  build: (temporaryDir: string) => Promise<T>,
): Promise<T> {
  const path = await checkOutputDir(dir);
  await mkdir(dirname(path), { recursive: true });
  await recoverOutputDir(path);
  const tmp = `${path}${TMP}${randomSuffix()}`;
  ownPaths.add(tmp);
  const release = removeOnInterrupt(tmp);
  let setAside: string[] = [];
  try {
    await mkdir(tmp);
    const result = await build(tmp);
    await writeFile(join(tmp, RUN_MARKER), MARKER_TEXT);
    setAside = swapInSync(path, tmp);
    return result;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  } finally {
    release();
    ownPaths.delete(tmp);
    for (const old of setAside) {
      await rm(old, { recursive: true, force: true });
      ownPaths.delete(old);
    }
  }
}
