import type { ProgressReporter } from "./types.ts";

/**
 * A reporter that reports nothing (for `progress: false` and `WORKSHOP_PROGRESS=0`).
 *
 * @example
 * ```ts
 * import { silentProgress } from "./silent.ts";
 * const progress = silentProgress();
 * progress.tick(10);
 * progress.done();
 * ```
 */
export function silentProgress(): ProgressReporter {
  const nothing = () => {};
  return { tick: nothing, update: nothing, done: nothing, fail: nothing };
}
