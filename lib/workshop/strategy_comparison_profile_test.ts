import assert from "node:assert/strict";
import {
  COMPARISON_TARGET_SECONDS,
  strategyComparisonProfile,
} from "./strategy_comparison_profile.ts";

Deno.test("the quick profile: 10 trials, one seed, no time share, whatever a trial costs", () => {
  for (const trialSeconds of [0.1, 5, 60]) {
    const p = strategyComparisonProfile({ quick: true, strategies: 8, trialSeconds });
    assert.deepEqual([p.maxTrials, p.seeds, p.paretoTrials, p.runSeconds], [10, [0], 4, undefined]);
  }
});

Deno.test("the full profile keeps 30 trials and fits the target by a time share once trials are slow", () => {
  let previous = Infinity;
  for (const trialSeconds of [0.2, 0.7, 1, 1.5, 2, 5, 8]) {
    const p = strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds });
    assert.equal(p.maxTrials, 30);
    assert.equal(p.paretoTrials, 16);
    assert.ok(p.worstSeconds <= COMPARISON_TARGET_SECONDS + 1e-9, `${trialSeconds} s per trial`);
    if (p.runSeconds === undefined) {
      assert.deepEqual(p.seeds, [0, 1, 2, 3, 4]);
      // Every run spending all its trials (and the baseline) fits.
      assert.ok((8 + 8) * 31 * trialSeconds + 2 * 17 * trialSeconds <= COMPARISON_TARGET_SECONDS);
    } else {
      assert.deepEqual(p.seeds, [0, 1, 2]);
      assert.equal(p.paretoSeconds, 2 * p.runSeconds);
      const trialsWorth = p.runSeconds / trialSeconds;
      assert.ok(trialsWorth < previous, "slower trials, a share of fewer trials");
      previous = trialsWorth;
    }
  }
  // Past 3 trials' worth the share stops shrinking, and the worst case says it no longer fits.
  const slow = strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds: 10 });
  assert.equal(slow.runSeconds, 30);
  assert.ok(slow.worstSeconds > COMPARISON_TARGET_SECONDS);
  // The stand-in's trials (~0.7 s) never meet the time share; DistilBERT-base's (~5 s) do.
  assert.equal(
    strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds: 0.7 }).runSeconds,
    undefined,
  );
  assert.ok(
    strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds: 5 }).runSeconds! > 0,
  );
});

Deno.test("bad inputs are refused by name", () => {
  assert.throws(
    () => strategyComparisonProfile({ quick: false, strategies: 0, trialSeconds: 1 }),
    /strategies ≥ 1/,
  );
  assert.throws(
    () => strategyComparisonProfile({ quick: false, strategies: 8, trialSeconds: NaN }),
    /trialSeconds > 0/,
  );
});
