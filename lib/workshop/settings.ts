/** The model the demo and notebooks use unless `WORKSHOP_MODEL` or `--model` says otherwise. */
export const DEFAULT_MODEL = "textattack/distilbert-base-uncased-MRPC";

/** Settings every part of the workshop shares, read from the environment. */
export interface WorkshopSettings {
  /** `WORKSHOP_MODEL`, default {@link DEFAULT_MODEL}. */
  modelId: string;
  /** `WORKSHOP_QUICK=1`: the short profile CI uses for anything that trains or tunes. */
  quick: boolean;
}

/**
 * Reads `WORKSHOP_MODEL` and `WORKSHOP_QUICK`; `overrides` (e.g. from command-line flags) win.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workshopSettings } from "./settings.ts";
 * assert.equal(workshopSettings({ modelId: "org/model" }).modelId, "org/model");
 * ```
 */
export function workshopSettings(overrides: Partial<WorkshopSettings> = {}): WorkshopSettings {
  const quick = (Deno.env.get("WORKSHOP_QUICK") ?? "").trim().toLowerCase();
  return {
    modelId: overrides.modelId ?? (Deno.env.get("WORKSHOP_MODEL")?.trim() || DEFAULT_MODEL),
    quick: overrides.quick ?? ["1", "true", "yes", "on"].includes(quick),
  };
}
