import assert from "node:assert/strict";
import { ExperimentConfigError, parseExperimentConfig } from "./mod.ts";

function issues(text: string) {
  try {
    parseExperimentConfig(text, "x.yaml");
  } catch (error) {
    assert.ok(error instanceof ExperimentConfigError, String(error));
    return error.issues.map((i) => `${i.line} ${i.path}: ${i.message}`);
  }
  assert.fail("the config validated");
}

Deno.test("experiment config: defaults fill in and a full config round-trips", () => {
  const config = parseExperimentConfig(
    [
      "name: twin",
      "model:",
      "  id: org/m",
      "  outlier_twin: { factor: 100 }",
      "dataset: { split: validation, limit: 128 }",
      "criterion: { absolute: 0.02 }",
      "strategy: bayesian",
      "objective: pareto",
      "budget: { max_trials: 12, time_seconds: 60 }",
      "latency: true",
      "",
    ].join("\n"),
  );
  assert.deepEqual(config.model, {
    id: "org/m",
    revision: "main",
    outlier_twin: { factor: 100, channels: 4, seed: 0 },
  });
  assert.deepEqual(config.dataset, { name: "glue/mrpc", split: "validation", limit: 128 });
  assert.deepEqual(config.criterion, { absolute: 0.02 });
  assert.deepEqual(config.calibration, { method: "minmax", samples: 32 });
  assert.deepEqual(config.budget, { max_trials: 12, time_seconds: 60 });
  assert.equal(config.seed, 0);
  assert.equal(config.output, "out/run");
});

Deno.test("experiment config: each mistake is named by key path and line", () => {
  assert.deepEqual(issues("model:\n  id: org/m\nstrategy: basic\nstrategey: random\n"), [
    "4 strategey: unknown key; expected one of name, model, dataset, approach, calibration, " +
    "criterion, strategy, objective, budget, seed, threads, latency, output, cache",
  ]);
  assert.deepEqual(issues("model:\n  id: org/m\nbudget:\n  max_trials: many\n"), [
    '4 budget.max_trials: must be a number, got "many"',
  ]);
  assert.deepEqual(issues("strategy: basic\nseed: 1\n"), [
    "1 model: missing required key (the FP32 model)",
  ]);
  assert.deepEqual(issues("model:\n  revision: v1\n"), [
    "2 model.id: missing required key (hub model id)",
  ]);
  assert.deepEqual(issues("model: { id: org/m }\napproach: int4\nseed: 1.5\n"), [
    '2 approach: "int4" is not one of static, dynamic',
    "3 seed: must be a whole number, got 1.5",
  ]);
  assert.deepEqual(issues("model: { id: org/m }\ncriterion:\n  relative: 0.01\n  absolute: 1\n"), [
    "2 criterion: give exactly one of relative, absolute",
  ]);
  assert.match(issues("model: [\n")[0], /^\d+ : YAML: /);
  assert.throws(
    () => parseExperimentConfig("model: org/m\n", "run.yaml"),
    /run\.yaml:1: model: must be a mapping/,
  );
});
