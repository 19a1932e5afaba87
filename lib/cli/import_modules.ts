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
export async function importModules(list: string | undefined): Promise<void> {
  for (const path of list?.split(",").map((s) => s.trim()).filter(Boolean) ?? []) {
    await import(/^[a-z]+:/.test(path) ? path : pathToFileURL(resolve(path)).href);
  }
}
