/**
 * Helpers of the fault-injection tests: small hub mirrors built on the fly, and what is on disk.
 *
 * @module
 */
import { dirname, join } from "node:path";
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
