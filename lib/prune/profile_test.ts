import assert from "node:assert/strict";
import { withHub } from "../../tests/support/with_hub.ts";
import { STANDINS } from "../../tests/support/mirror.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";
import { FULL_PROFILE, LONG_PROFILE, QUICK_PROFILE } from "../train/mod.ts";
import { PRUNE_FULL_PROFILE, pruneProfile } from "./profile.ts";
import { preparePruneData, SWEEP_ROWS } from "./workflow.ts";

Deno.test("pruneProfile: full is one epoch of 384 pairs; quick and long are the training profiles'", () => {
  const full = pruneProfile("full");
  assert.deepEqual(full, { ...PRUNE_FULL_PROFILE });
  assert.equal(full.trainLimit! / full.batchSize, 24, "24 updates an epoch");
  assert.equal(full.validationLimit, undefined, "scored on all validation pairs");
  assert.equal(full.learningRate, FULL_PROFILE.learningRate);
  assert.deepEqual(pruneProfile("quick"), { ...QUICK_PROFILE });
  assert.deepEqual(pruneProfile("long"), { ...LONG_PROFILE });
});

extendedTest(
  "preparePruneData: the sweep sample is the first 128 validation pairs, scored in dataset order",
  MIRROR,
  async () => {
    await withHub({}, async ({ settings }) => {
      const common = {
        modelId: STANDINS.mini,
        settings,
        calibrationSamples: 8,
        progress: false as const,
      };
      const larger = await preparePruneData({
        ...common,
        profile: { ...QUICK_PROFILE, trainLimit: 16, validationLimit: 200 },
      });
      const rows = (batches: typeof larger.validation) => batches.reduce((n, b) => n + b.size, 0);
      assert.equal(rows(larger.validation), 200);
      assert.equal(rows(larger.sample), SWEEP_ROWS);
      const sampled = larger.sample.flatMap((b) => b.indices).sort((a, b) => a - b);
      assert.deepEqual(sampled, Array.from({ length: SWEEP_ROWS }, (_, i) => i));
      // The same pairs as the first 128 of the validation batches: same labels by row.
      const labels = new Map<number, number>();
      for (const b of larger.validation) {
        b.indices.forEach((row, k) => labels.set(row, b.labels[k]));
      }
      for (const b of larger.sample) {
        b.indices.forEach((row, k) => assert.equal(b.labels[k], labels.get(row), `row ${row}`));
      }
      const quick = await preparePruneData({
        ...common,
        profile: { ...QUICK_PROFILE, trainLimit: 16 },
      });
      assert.equal(quick.sample, quick.validation, "no second pass when the profile has 128 rows");
    });
  },
);
