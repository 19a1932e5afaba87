/**
 * `--import MODULE,…` of the `deno task` commands: modules loaded before the task runs, e.g. one
 * that registers a tuning strategy.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Imports each module of a comma-separated list, in order: URLs (`file:`, `npm:`, …) as they are,
 * paths relative to the working directory. Nothing for undefined or an empty list.
 *
 * @example
 * ```ts
 * import { importModules } from "./import_modules.ts";
 * await importModules("node:path, node:url");
 * await importModules(undefined);
 * ```
 */
export async function importModules(list: string | undefined): Promise<string[]> {
  const urls = moduleUrls(list);
  for (const url of urls) await import(url);
  return urls;
}

/**
 * The module URLs of a comma-separated `--import` list: URLs as they are, paths made absolute
 * `file:` URLs (what a report's manifest records, so a re-run finds them from anywhere).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { moduleUrls } from "./import_modules.ts";
 * assert.deepEqual(moduleUrls("node:path, /x/strategy.ts"), ["node:path", "file:///x/strategy.ts"]);
 * assert.deepEqual(moduleUrls(undefined), []);
 * ```
 */
export function moduleUrls(list: string | undefined): string[] {
  return (list?.split(",").map((s) => s.trim()).filter(Boolean) ?? []).map((path) =>
    /^[a-z]+:/.test(path) ? path : pathToFileURL(resolve(path)).href
  );
}
