import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Absolute path of the kit's project root (the folder holding `deno.json`), found from this
 * file's location so it holds wherever the repo is cloned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync } from "node:fs";
 * import { projectRoot } from "./project_root.ts";
 * assert.ok(existsSync(`${projectRoot()}/deno.json`));
 * ```
 */
export function projectRoot(): string {
  return dirname(dirname(dirname(fileURLToPath(import.meta.url))));
}
