/**
 * The kit's settings: the one place that reads the environment (`HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_OFFLINE`, `HF_HUB_CACHE`, `WORKSHOP_MODEL`, `WORKSHOP_QUICK`,
 * `WORKSHOP_SOLUTIONS`, `WORKSHOP_DEBUG`). It sits
 * at the bottom of the house and imports nothing of the kit, so every layer may read it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { settings } from "./mod.ts";
 * assert.equal(settings({}, () => undefined).hub.endpoint, "https://huggingface.co");
 * ```
 *
 * @module
 */
export * from "./environment.ts";
export * from "./errors.ts";
export * from "./project_root.ts";
export * from "./hub_settings.ts";
export * from "./workshop_settings.ts";
export * from "./settings.ts";
