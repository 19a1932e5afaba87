import { basename, dirname, join } from "node:path";
import { mkdir, open, rename, rm } from "node:fs/promises";

/** A unique temporary path beside `path`, in the same folder so a rename is atomic. */
export function temporaryPathFor(path: string): string {
  const suffix = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/**
 * Writes `data` to `path` atomically: the bytes go to a temporary file in the same folder, are
 * flushed to disk, and the file is renamed over `path` only when complete. A crash or an
 * interrupt leaves either the old file or none, never a truncated one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFile } from "node:fs/promises";
 * import { writeFileAtomic } from "./atomic.ts";
 * const path = `${await Deno.makeTempDir()}/hello.txt`;
 * await writeFileAtomic(path, "hello");
 * assert.equal(await readFile(path, "utf8"), "hello");
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  try {
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Runs `write` on a temporary path beside `path` and renames the result over `path` when `write`
 * resolves; on failure the temporary file is removed and the error rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFile, readFile } from "node:fs/promises";
 * import { withAtomicPath } from "./atomic.ts";
 * const path = `${await Deno.makeTempDir()}/out.bin`;
 * await withAtomicPath(path, (tmp) => writeFile(tmp, "ok"));
 * assert.equal(await readFile(path, "utf8"), "ok");
 * ```
 */
export async function withAtomicPath<T>(
  path: string,
  write: (temporaryPath: string) => Promise<T>,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPathFor(path);
  try {
    const result = await write(tmp);
    await rename(tmp, path);
    return result;
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
