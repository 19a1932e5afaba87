import {
  type EnvironmentReader,
  isTruthyFlag,
  processEnvironment,
  trimmedReader,
} from "./environment.ts";

/** The model the demo and notebooks use unless `WORKSHOP_MODEL` or `--model` says otherwise. */
export const DEFAULT_MODEL = "textattack/distilbert-base-uncased-MRPC";

/** Settings every part of the workshop shares, read from the environment. */
export interface WorkshopSettings {
  /** `WORKSHOP_MODEL`, default {@link DEFAULT_MODEL}. */
  modelId: string;
  /** `WORKSHOP_QUICK=1`: the short profile CI uses for anything that trains or tunes. */
  quick: boolean;
  /**
   * `WORKSHOP_SOLUTIONS=1`: the notebooks' exercise cells use the fixed setting instead of the
   * broken one (the instructor's copy; the tests run the notebooks this way).
   */
  solutions: boolean;
}

/**
 * Reads `WORKSHOP_MODEL`, `WORKSHOP_QUICK` and `WORKSHOP_SOLUTIONS` (1/true/yes/on); `overrides` (e.g. from
 * command-line flags) win. `environment` replaces `Deno.env`. The `workshop` part of
 * {@linkcode settings}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workshopSettings } from "./workshop_settings.ts";
 * assert.equal(workshopSettings({ modelId: "org/model" }).modelId, "org/model");
 * assert.equal(workshopSettings({}, (name) => ({ WORKSHOP_QUICK: "yes" })[name]).quick, true);
 * assert.equal(workshopSettings({}, (name) => ({ WORKSHOP_SOLUTIONS: "1" })[name]).solutions, true);
 * ```
 */
export function workshopSettings(
  overrides: Partial<WorkshopSettings> = {},
  environment: EnvironmentReader = processEnvironment,
): WorkshopSettings {
  const read = trimmedReader(environment);
  return {
    modelId: overrides.modelId ?? read("WORKSHOP_MODEL") ?? DEFAULT_MODEL,
    quick: overrides.quick ?? isTruthyFlag(read("WORKSHOP_QUICK")),
    solutions: overrides.solutions ?? isTruthyFlag(read("WORKSHOP_SOLUTIONS")),
  };
}

/**
 * `WORKSHOP_DEBUG` (1/true/yes/on): command-line tasks print the stack of an error, not only its
 * message. The `debug` part of {@linkcode settings}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { debugEnabled } from "./workshop_settings.ts";
 * assert.equal(debugEnabled((name) => ({ WORKSHOP_DEBUG: "1" })[name]), true);
 * assert.equal(debugEnabled(() => undefined), false);
 * ```
 */
export function debugEnabled(environment: EnvironmentReader = processEnvironment): boolean {
  return isTruthyFlag(environment("WORKSHOP_DEBUG"));
}
