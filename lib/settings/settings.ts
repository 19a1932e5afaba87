import { type EnvironmentReader, processEnvironment } from "./environment.ts";
import { type HubSettings, hubSettings } from "./hub_settings.ts";
import { debugEnabled, type WorkshopSettings, workshopSettings } from "./workshop_settings.ts";

/** Every setting of the kit, as {@linkcode settings} reads them. */
export interface Settings {
  /** `HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE`, `HF_HUB_CACHE`. */
  hub: HubSettings;
  /** `WORKSHOP_MODEL`, `WORKSHOP_QUICK`, `WORKSHOP_SOLUTIONS`. */
  workshop: WorkshopSettings;
  /** `WORKSHOP_DEBUG`: print stacks of errors in command-line tasks. */
  debug: boolean;
}

/** What to set instead of the environment's values (e.g. from command-line flags). */
export interface SettingsOverrides {
  hub?: Partial<HubSettings>;
  workshop?: Partial<WorkshopSettings>;
  debug?: boolean;
}

/**
 * The kit's settings, read from the environment in this one place (like transformers.js's `env`),
 * with `overrides` on top; `environment` replaces `Deno.env` (tests, embedding). Each part is
 * also readable alone: {@linkcode hubSettings}, {@linkcode workshopSettings},
 * {@linkcode debugEnabled}.
 *
 * | variable         | setting              | default                                    |
 * | ---------------- | -------------------- | ------------------------------------------ |
 * | `HF_ENDPOINT`    | `hub.endpoint`       | `https://huggingface.co`                   |
 * | `HF_TOKEN`       | `hub.token`          | none                                       |
 * | `HF_HUB_OFFLINE` | `hub.offline`        | off                                        |
 * | `HF_HUB_CACHE`   | `hub.cacheDir`       | `<project root>/data/cache/hub`            |
 * | `WORKSHOP_MODEL` | `workshop.modelId`   | `textattack/distilbert-base-uncased-MRPC`  |
 * | `WORKSHOP_QUICK` | `workshop.quick`     | off                                        |
 * | `WORKSHOP_SOLUTIONS` | `workshop.solutions` | off                                    |
 * | `WORKSHOP_DEBUG` | `debug`              | off                                        |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settings } from "./settings.ts";
 * const env = { HF_HUB_OFFLINE: "1", WORKSHOP_QUICK: "1", WORKSHOP_MODEL: "org/model" };
 * const all = settings({ workshop: { quick: false } }, (name) => env[name as keyof typeof env]);
 * assert.equal(all.hub.offline, true);
 * assert.deepEqual(all.workshop, { modelId: "org/model", quick: false, solutions: false });
 * assert.equal(all.debug, false);
 * ```
 */
export function settings(
  overrides: SettingsOverrides = {},
  environment: EnvironmentReader = processEnvironment,
): Settings {
  return {
    hub: hubSettings(overrides.hub, environment),
    workshop: workshopSettings(overrides.workshop, environment),
    debug: overrides.debug ?? debugEnabled(environment),
  };
}
