import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DEFAULT_MODEL,
  InvalidHubEndpointError,
  projectRoot,
  settings,
  workshopSettings,
} from "./mod.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("settings reads every variable of the kit from one environment; overrides win", () => {
  assert.deepEqual(settings({}, env({})), {
    hub: {
      endpoint: "https://huggingface.co",
      offline: false,
      cacheDir: join(projectRoot(), "data", "cache", "hub"),
    },
    workshop: { modelId: DEFAULT_MODEL, quick: false, solutions: false },
    debug: false,
  });
  const all = settings(
    { hub: { cacheDir: "/override" }, workshop: { quick: false } },
    env({
      HF_ENDPOINT: "http://127.0.0.1:9/",
      HF_TOKEN: " hf_x ",
      HF_HUB_OFFLINE: "yes",
      HF_HUB_CACHE: "/from-env",
      WORKSHOP_MODEL: " org/model ",
      WORKSHOP_QUICK: "1",
      WORKSHOP_DEBUG: "true",
    }),
  );
  assert.deepEqual(all, {
    hub: { endpoint: "http://127.0.0.1:9", token: "hf_x", offline: true, cacheDir: "/override" },
    workshop: { modelId: "org/model", quick: false, solutions: false },
    debug: true,
  });
  assert.equal(settings({ debug: false }, env({ WORKSHOP_DEBUG: "1" })).debug, false);
  assert.throws(
    () => settings({}, env({ HF_ENDPOINT: "huggingface.co" })),
    InvalidHubEndpointError,
  );
});

Deno.test("workshopSettings: empty WORKSHOP_MODEL is unset, WORKSHOP_QUICK takes 1/true/yes/on", () => {
  assert.equal(workshopSettings({}, env({ WORKSHOP_MODEL: "  " })).modelId, DEFAULT_MODEL);
  for (const [value, quick] of [["1", true], ["ON", true], ["0", false], ["", false]] as const) {
    assert.equal(workshopSettings({}, env({ WORKSHOP_QUICK: value })).quick, quick, value);
  }
  assert.equal(workshopSettings({ quick: true }, env({ WORKSHOP_QUICK: "0" })).quick, true);
});
