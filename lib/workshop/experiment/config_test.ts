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
    "4 strategey: unknown key; expected one of name, model, dataset, technique, profile, " +
    "approach, calibration, criterion, strategy, objective, budget, seed, threads, latency, " +
    "output, cache, smooth_quant, pruning, distillation, qat, fusion, mixed_precision, " +
    "weight_only",
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

Deno.test("experiment config: technique defaults to quantization; its section fills in", () => {
  const plain = parseExperimentConfig("model: { id: org/m }\n");
  assert.equal(plain.technique, "quantization");
  assert.equal(plain.pruning, undefined);
  assert.equal(plain.weight_only, undefined);
  const wo = parseExperimentConfig("model: { id: org/m }\ntechnique: weight_only\n");
  assert.deepEqual(wo.weight_only, {
    method: "rtn",
    bits: 4,
    block_size: 32,
    symmetric: true,
    embeddings: "float",
  });
  const pruned = parseExperimentConfig(
    "model: { id: org/m }\ntechnique: pruning\nprofile: quick\npruning: { ffn: 0.5 }\n",
  );
  assert.deepEqual(pruned.pruning, {
    ffn: 0.5,
    criterion: "magnitude",
    schedule: "oneshot",
    distill: false,
  });
  assert.equal(pruned.profile, "quick");
  assert.deepEqual(
    parseExperimentConfig("model: { id: org/m }\ntechnique: mixed_precision\n").mixed_precision,
    { target: "fp16", missing_kernels: "emulate" },
  );
  const smooth = parseExperimentConfig("model: { id: org/m }\nsmooth_quant: {}\n");
  assert.deepEqual(smooth.smooth_quant, { alpha: 0.5, batches: 4 });
});

Deno.test("experiment config: mistakes in technique sections are named by key path and line", () => {
  assert.deepEqual(
    issues("model: { id: org/m }\ntechnique: pruning\npruning:\n  sparsity: 1\n"),
    ["4 pruning.sparsity: must be < 1, got 1"],
  );
  assert.deepEqual(
    issues("model: { id: org/m }\ntechnique: weight_only\nweight_only:\n  bits: 3\n"),
    ["4 weight_only.bits: 3 is not one of 4, 8"],
  );
  assert.deepEqual(issues("model: { id: org/m }\ntechnique: distil\n"), [
    '2 technique: "distil" is not one of quantization, pruning, distillation, qat, fusion, ' +
    "mixed_precision, weight_only",
  ]);
  assert.deepEqual(
    issues("model: { id: org/m }\ntechnique: fusion\nfusion:\n  pases: all\n"),
    ["4 fusion.pases: unknown key; expected one of passes"],
  );
  assert.deepEqual(
    issues("model: { id: org/m }\ntechnique: qat\nstrategy: basic\npruning: { sparsity: 0.5 }\n"),
    [
      "4 pruning: configures technique pruning, but technique is qat: set technique: pruning " +
      "or remove this section",
      "3 strategy: only technique quantization reads strategy, but technique is qat: remove it " +
      "(or set technique: quantization)",
    ],
  );
  assert.deepEqual(issues("model: { id: org/m }\ntechnique: pruning\n"), [
    "2 pruning: pattern unstructured needs sparsity (--sparsity F), the fraction of weights to " +
    "prune, e.g. --sparsity 0.5.",
  ]);
  assert.deepEqual(
    issues("model: { id: org/m }\ntechnique: pruning\npruning:\n  pattern: 2:4\n  ffn: 0.5\n"),
    [
      "3 pruning: --ffn / --heads remove whole FFN units and heads, but pattern (--pattern) is " +
      "2:4: drop --pattern (or use --pattern ffn / head), or give --sparsity for an element " +
      "pattern.",
    ],
  );
  assert.deepEqual(
    issues("model:\n  id: org/m\n  outlier_twin: {}\ntechnique: distillation\n"),
    [
      "3 model.outlier_twin: technique distillation trains from the model's weights, not its " +
      "ONNX graph: remove outlier_twin (it is for quantization, weight_only, fusion, " +
      "mixed_precision)",
    ],
  );
  assert.deepEqual(issues("model: { id: org/m }\napproach: dynamic\nsmooth_quant: {}\n"), [
    "3 smooth_quant: SmoothQuant prepares activations for static quantization: set approach: " +
    "static or remove smooth_quant",
  ]);
});
