/** Reads an environment variable by name; `undefined` when it is unset. */
export type EnvironmentReader = (name: string) => string | undefined;

/**
 * The process's environment (`Deno.env`), as every setting of the kit reads it: `undefined` for
 * an unset variable, and for every variable when the process runs without `--allow-env`, so the
 * defaults apply.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processEnvironment } from "./environment.ts";
 * assert.equal(processEnvironment("WORKSHOP_SURELY_UNSET_VARIABLE"), undefined);
 * ```
 */
export function processEnvironment(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: use the defaults
  }
}

/**
 * True for the values the Hugging Face tools accept as "on": 1, true, yes, on (any case, spaces
 * around ignored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTruthyFlag } from "./environment.ts";
 * assert.equal(isTruthyFlag(" YES "), true);
 * assert.equal(isTruthyFlag("0"), false);
 * assert.equal(isTruthyFlag(undefined), false);
 * ```
 */
export function isTruthyFlag(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

/**
 * A reader that trims values and treats empty variables as unset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trimmedReader } from "./environment.ts";
 * const read = trimmedReader((name) => ({ A: " x ", B: "  " })[name]);
 * assert.equal(read("A"), "x");
 * assert.equal(read("B"), undefined);
 * ```
 */
export function trimmedReader(environment: EnvironmentReader): EnvironmentReader {
  return (name) => environment(name)?.trim() || undefined;
}
