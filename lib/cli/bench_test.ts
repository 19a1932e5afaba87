import assert from "node:assert/strict";
import { BENCH_SUITES } from "./bench.ts";

Deno.test("deno task bench runs every suite once, in order, the training suites last", () => {
  assert.deepEqual(BENCH_SUITES.map((s) => s.name), [
    "fp32",
    "quant",
    "fusion",
    "mixed",
    "prune",
    "tune",
    "train",
    "qat",
    "prune-step",
  ]);
  for (const suite of BENCH_SUITES) assert.ok(suite.description.length > 0, suite.name);
});
