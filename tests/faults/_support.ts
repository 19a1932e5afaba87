/**
 * Helpers of the fault-injection tests: small hub mirrors built on the fly, and what is on disk.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { listFiles } from "../../lib/hub/_testing.ts";

export { listFiles };

/**
 * A mirror folder in the hub's layout holding `files` (keys `org/name@revision:path/in/repo`, or
 * `datasets/org/name@revision:path`); returns its path.
 */
export async function tempMirror(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "hub-mirror-" });
  for (const [key, content] of Object.entries(files)) {
    const [, repo, revision, file] = /^(.+)@([^:]+):(.+)$/.exec(key)!;
    const path = join(root, ...repo.split("/"), "resolve", revision, ...file.split("/"));
    await Deno.mkdir(dirname(path), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
  }
  return root;
}

/** Files below `dir` that are partial downloads (`.tmp-`). */
export async function partialFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir)).filter((file) => file.includes(".tmp-"));
}

/** Retry settings for tests: short waits, every retry recorded. */
export function quickRetry(): {
  retry: { baseDelayMs: number; onRetry: (info: { delayMs: number; error: Error }) => void };
  retries: { delayMs: number; error: Error }[];
} {
  const retries: { delayMs: number; error: Error }[] = [];
  return {
    retry: { baseDelayMs: 5, onRetry: (info) => retries.push(info) },
    retries,
  };
}

/**
 * Every file under `dir`: relative path (`a/b.txt`) → `read(path, name)`; entries (files or
 * folders) whose name contains `skip` are left out.
 */
export async function fileMap(
  dir: string,
  read: (path: string, name: string) => Promise<string>,
  options: { skip?: string } = {},
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (folder: string, prefix: string) => {
    for await (const entry of Deno.readDir(folder)) {
      if (options.skip && entry.name.includes(options.skip)) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path, `${prefix}${entry.name}/`);
      else out[`${prefix}${entry.name}`] = await read(path, entry.name);
    }
  };
  await walk(dir, "");
  return out;
}

/** File path → SHA-256 of every file under `dir` (sorted by path), skipping names with `skip`. */
export async function hashes(dir: string, skip?: string): Promise<Record<string, string>> {
  const out = await fileMap(
    dir,
    async (path) => createHash("sha256").update(await Deno.readFile(path)).digest("hex"),
    { skip },
  );
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * {@link hashes} of a task's output folder with its reports reduced to what does not depend on the
 * clock: `report.json` to the SHA-256 of its figures (each variant's accuracy and F1, the
 * predictions' and the INT8 model's SHA-256 — so an old report beside a new model reads as another
 * folder), `report.html` (timings throughout) to "present".
 */
export async function runHashes(dir: string, skip?: string): Promise<Record<string, string>> {
  const files = await hashes(dir, skip);
  if (files["report.json"] !== undefined) {
    const report = JSON.parse(await Deno.readTextFile(join(dir, "report.json")));
    const figures = {
      results: report.results?.map((r: { name: string; accuracy: number; f1: number }) => [
        r.name,
        r.accuracy,
        r.f1,
      ]),
      predictions: report.predictionsSha256,
      int8: report.quantize?.modelSha256,
    };
    files["report.json"] = createHash("sha256").update(JSON.stringify(figures)).digest("hex");
  }
  if (files["report.html"] !== undefined) files["report.html"] = "present";
  return files;
}

/** Names beside `dir` that start with its name and `infix` (its `.tmp-` and `.old-` siblings). */
export async function siblings(dir: string, infix = "."): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dirname(dir))) {
    if (entry.name.startsWith(`${basename(dir)}${infix}`)) names.push(entry.name);
  }
  return names.sort();
}
