import { join } from "node:path";

/** Names of the kit's partial files: `.{name}.tmp-{suffix}` (see `lib/fs/atomic.ts`). */
export const TEMPORARY_NAME = /^\..+\.tmp-[a-z0-9]+$/;

/** Options of {@linkcode sweepTemporaryFiles}. */
export interface SweepOptions {
  /** Only files not modified for this long are removed (another run may be writing the rest). */
  olderThanMs?: number;
  /** List what would be removed without removing it. */
  dryRun?: boolean;
}

/**
 * Removes partial files (`.{name}.tmp-…`) left below `dir` by runs that were killed (SIGKILL,
 * power loss) before they could clean up, and returns their paths. By default only files
 * untouched for an hour go, so a download running in another process is left alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sweepTemporaryFiles } from "./sweep.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.config.json.tmp-abc123`, "{");
 * await Deno.writeTextFile(`${dir}/config.json`, "{}");
 * assert.deepEqual(await sweepTemporaryFiles(dir, { olderThanMs: 0 }), [`${dir}/.config.json.tmp-abc123`]);
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["config.json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sweepTemporaryFiles(
  dir: string,
  options: SweepOptions = {},
): Promise<string[]> {
  const olderThanMs = options.olderThanMs ?? 3_600_000;
  const removed: string[] = [];
  const now = Date.now();
  async function walk(folder: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && TEMPORARY_NAME.test(entry.name)) {
        try {
          const { mtime } = await Deno.stat(path);
          if (now - (mtime?.getTime() ?? 0) < olderThanMs) continue;
          if (!options.dryRun) await Deno.remove(path);
          removed.push(path);
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error; // renamed meanwhile
        }
      }
    }
  }
  await walk(dir);
  return removed;
}

const swept = new Map<string, Promise<string[]>>();

/**
 * {@linkcode sweepTemporaryFiles} of a cache folder, once per process (later calls share the
 * first one's result).
 */
export function sweepCacheOnce(cacheDir: string): Promise<string[]> {
  let done = swept.get(cacheDir);
  if (!done) {
    done = sweepTemporaryFiles(cacheDir).catch(() => []);
    swept.set(cacheDir, done);
  }
  return done;
}
