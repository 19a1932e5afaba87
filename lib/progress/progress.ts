import { barProgress } from "./bar.ts";
import { plainProgress } from "./plain.ts";
import { silentProgress } from "./silent.ts";
import type { ProgressOption, ProgressOptions, ProgressReporter } from "./types.ts";

/** How {@linkcode createProgress} reports: a redrawn bar, plain log lines, or nothing. */
export type ProgressMode = "bar" | "plain" | "silent";

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

function stderrIsTerminal(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** Options of {@linkcode progressMode}: what to read instead of the process's environment. */
export interface ProgressModeOptions {
  /** Reads an environment variable. Default: `Deno.env.get` (unset without --allow-env). */
  env?: (name: string) => string | undefined;
  /** Whether stderr is a terminal. Default: `Deno.stderr.isTerminal()`. */
  isTerminal?: boolean;
}

/**
 * The mode {@linkcode createProgress} uses here: `WORKSHOP_PROGRESS=0` (or `false`, `off`, `no`)
 * silences progress, `WORKSHOP_PROGRESS=plain` or `bar` forces a mode; otherwise a bar when stderr
 * is a terminal and plain lines when it is not (CI logs, Jupyter cell output).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressMode } from "./progress.ts";
 * assert.equal(progressMode({ env: () => "0" }), "silent");
 * assert.equal(progressMode({ env: () => undefined, isTerminal: false }), "plain");
 * ```
 */
export function progressMode(options: ProgressModeOptions = {}): ProgressMode {
  const setting = (options.env ?? readEnv)("WORKSHOP_PROGRESS")?.trim().toLowerCase();
  if (setting && ["0", "false", "off", "no", "silent"].includes(setting)) return "silent";
  if (setting === "plain" || setting === "bar") return setting;
  return (options.isTerminal ?? stderrIsTerminal()) ? "bar" : "plain";
}

/**
 * Starts reporting the progress of one piece of work on stderr, as a bar in a terminal and as a
 * few plain lines elsewhere (see {@linkcode progressMode}).
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const progress = createProgress({ label: "calibration", total: 4, unit: "batches" });
 * for (let batch = 0; batch < 4; batch++) progress.tick();
 * progress.done();
 * ```
 */
export function createProgress(options: ProgressOptions): ProgressReporter {
  switch (progressMode()) {
    case "silent":
      return silentProgress();
    case "bar":
      return barProgress(options);
    case "plain":
      return plainProgress(options);
  }
}

/**
 * Turns a function's `progress` option into a reporter: absent or `true` → {@linkcode createProgress},
 * `false` → nothing, a factory → the factory's reporter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressReporter } from "./progress.ts";
 * const seen: number[] = [];
 * const progress = progressReporter(
 *   () => ({ tick: (n = 1) => seen.push(n), update() {}, done() {}, fail() {} }),
 *   { label: "x" },
 * );
 * progress.tick(5);
 * assert.deepEqual(seen, [5]);
 * ```
 */
export function progressReporter(
  option: ProgressOption | undefined,
  options: ProgressOptions,
): ProgressReporter {
  if (option === false) return silentProgress();
  if (typeof option === "function") return option(options);
  return createProgress(options);
}
