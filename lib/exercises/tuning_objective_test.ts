import assert from "node:assert/strict";
import type { TrialMeasures } from "../tune/mod.ts";
import { checkFastestPassing } from "./tuning_objective.ts";

const trial = (
  index: number,
  met: boolean,
  latencyMs: number,
  sizeBytes: number,
): TrialMeasures => ({
  index,
  phase: "random",
  accuracy: met ? 0.72 : 0.7,
  metrics: {},
  latencyMs,
  sizeBytes,
  seconds: 1,
  met,
});
// The first passing trial (1) is slow and small; trial 3 is the fastest passing one.
const history = [
  trial(0, false, 2.0, 12e6),
  trial(1, true, 4.5, 12e6),
  trial(2, true, 3.8, 14e6),
  trial(3, true, 2.9, 13e6),
];

Deno.test("07: the accuracy objective is not fixed, latency and pareto are", () => {
  const first = checkFastestPassing({ objective: "accuracy", history });
  assert.equal(first.passed, false);
  assert.match(first.message, /stops at the first passing trial/);
  assert.match(
    first.message,
    /"accuracy" delivers trial 1 \(4\.50 ms\), the fastest passing is trial 3 \(2\.90 ms\)/,
  );
  for (const objective of ["latency", "pareto"] as const) {
    const check = checkFastestPassing({ objective, history });
    assert.equal(check.passed, true, check.message);
    assert.match(check.message, /delivers trial 3 \(2\.90 ms\)/);
  }
});

Deno.test("07: the size objective searches on but delivers the smallest, not the fastest", () => {
  const check = checkFastestPassing({ objective: "size", history });
  assert.equal(check.passed, false);
  assert.match(check.message, /"size" delivers trial 1 \(4\.50 ms\)/);
});

Deno.test("07: when the first passing trial is also the fastest, the message says it is luck", () => {
  const lucky = [trial(0, true, 2.5, 12e6), trial(1, true, 3.0, 12e6)];
  const check = checkFastestPassing({ objective: "accuracy", history: lucky });
  assert.equal(check.passed, false);
  assert.match(check.message, /trial 0 \(2\.50 ms\) — also the first to pass on this run, by luck/);
});

Deno.test("07: a history without a passing trial still judges the objective", () => {
  const failing = history.map((t) => ({ ...t, met: false }));
  assert.equal(checkFastestPassing({ objective: "accuracy", history: failing }).passed, false);
  const check = checkFastestPassing({ objective: "latency", history: failing });
  assert.equal(check.passed, true);
  assert.match(check.message, /none of the 4 trials shown met the criterion/);
});
