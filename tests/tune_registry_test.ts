/**
 * The tuner's registries used from outside `lib/`: a strategy (`tests/support/
 * tail_first_strategy.ts`), a sensitivity measure and a recipe dimension are registered here and
 * run by `tune` on the mini stand-in from the hub mirror with MRPC validation pairs; `deno task
 * quantize --help` lists the imported strategy.
 */
import assert from "node:assert/strict";
import { extendedTest, MIRROR } from "./support/extended.ts";
import { MINI_DIR, standinMrpc } from "./support/mrpc.ts";
import { runTask } from "./support/run_task.ts";
import { tailFirstStrategy } from "./support/tail_first_strategy.ts";
import { readModel } from "../lib/onnx/mod.ts";
import {
  classifierEvaluator,
  registerRecipeDimension,
  registerSensitivityMeasure,
  tune,
  TUNE_STRATEGIES,
  TuneOptionsError,
} from "../lib/tune/mod.ts";
import type { QdqBias } from "../lib/quant/mod.ts";
import { BUILT_IN_STRATEGIES } from "../lib/tune/_test_support.ts";

const [model, { validation, train }] = await Promise.all([
  readModel(`${MINI_DIR}/onnx/model.onnx`),
  standinMrpc(),
]);
const session = { intraOpThreads: 2 };
// 128 validation pairs keep each trial short; the numbers are real all the same.
const evaluate = classifierEvaluator({ batches: validation.batches.slice(0, 8), session });
const base = { model, evaluate, session, latency: false as const, progress: false as const };

extendedTest(
  "a strategy registered outside lib/ runs its proposals in order on the stand-in",
  MIRROR,
  async () => {
    assert.deepEqual(TUNE_STRATEGIES.names(), [...BUILT_IN_STRATEGIES, "tail-first"]);
    const result = await tune({
      ...base,
      approach: "dynamic",
      strategy: "tail-first",
      criterion: { relative: -0.5 }, // unreachable: every proposal runs
    });
    console.log(result.toString());
    assert.equal(result.strategy, "tail-first");
    assert.equal(result.stopReason, "exhausted");
    const blocks = [...new Set(result.history.at(-1)!.config.fallback)];
    assert.ok(blocks.length >= 3, `blocks ${blocks}`);
    // The history is exactly what the strategy proposed, in its order, with its phase names.
    assert.deepEqual(
      result.history.map((t) => `${t.phase}:${t.config.fallback.join("+")}`),
      tailFirstStrategy.proposed,
    );
    assert.equal(result.history.length, blocks.length + 1);
    assert.equal(result.history[0].phase, "quantize-all");
    assert.deepEqual(
      result.history[1].config.fallback,
      ["classifier"],
      "the head falls back first",
    );
    assert.ok(result.history.slice(1).every((t) => t.phase === "tail-fallback"));
    for (let i = 2; i < result.history.length; i++) {
      const [prev, next] = [result.history[i - 1], result.history[i]];
      assert.deepEqual(next.config.fallback.slice(0, -1), prev.config.fallback);
      assert.ok(next.fallbackNodes.length > prev.fallbackNodes.length);
      assert.ok(next.quantizedNodes < prev.quantizedNodes);
    }
    // Real results: INT8 models, scored on real pairs, the best one re-scores the same.
    assert.ok(result.baseline.accuracy > 0.6 && result.baseline.accuracy < 0.8);
    for (const t of result.history) {
      assert.ok(t.accuracy > 0.5 && t.accuracy <= 1, `${t.index}: ${t.accuracy}`);
      assert.ok(t.sizeBytes < result.baseline.sizeBytes);
      assert.ok(Math.abs(t.accuracy - result.baseline.accuracy) < 0.05, `${t.accuracy}`);
    }
    assert.ok(result.history[0].quantizedNodes >= 20);
    assert.equal((await evaluate(result.model)).accuracy, result.best.accuracy);
    assert.equal(result.report.counts.quantized, result.best.quantizedNodes);

    // Under the usual 1% criterion the stand-in passes at once: the strategy stops there.
    const quick = await tune({ ...base, approach: "dynamic", strategy: "tail-first" });
    assert.equal(quick.met, true, quick.message);
    assert.deepEqual(tailFirstStrategy.proposed, ["quantize-all:"]);
    assert.equal(quick.history.length, 1);
    assert.equal(quick.best.accuracy, result.history[0].accuracy, "same config, same accuracy");
  },
);

Deno.test("a sensitivity measure registered outside lib/ orders the basic strategy's fallbacks", async () => {
  const measured: string[] = [];
  registerSensitivityMeasure({
    name: "logit-drift",
    description: "mean |logit − FP32 logit| on the evaluation pairs",
    async score({ model, group, evaluate }) {
      measured.push(group.label);
      return (await evaluate(model, `logit drift of ${group.label}`)).meanAbsLogitError!;
    },
  });
  await assert.rejects(
    () => tune({ ...base, approach: "dynamic", sensitivity: { measure: "hawq" } }),
    (e) =>
      e instanceof TuneOptionsError &&
      /unknown sensitivity measure "hawq"; use one of "logit-mse", "accuracy-drop", "logit-drift"/
        .test(e.message),
  );
  const result = await tune({
    ...base,
    evaluate: classifierEvaluator({ batches: validation.batches.slice(0, 4), session }),
    approach: "dynamic",
    sensitivity: { measure: "logit-drift" },
    criterion: { relative: -0.5 },
    maxTrials: 3,
  });
  assert.deepEqual(result.history.map((t) => t.phase), ["default", "recipe", "block-fallback"]);
  assert.ok(result.sensitivity.length >= 3);
  assert.deepEqual(result.sensitivity.map((e) => e.label), measured);
  assert.ok(result.sensitivity.every((e) => e.measure === "logit-drift"));
  assert.ok(
    result.sensitivity.every((e) => e.score > 0 && e.score < 1),
    "INT8 moves every logit a little",
  );
  // The first block fallback is the block the measure scored highest.
  const top = result.sensitivity.reduce((a, b) => (b.score > a.score ? b : a));
  assert.deepEqual(result.history[2].config.fallback, [top.label]);
});

Deno.test("a recipe dimension registered outside lib/ is varied by the basic strategy", async () => {
  registerRecipeDimension<QdqBias>({
    name: "qdqBias",
    approaches: ["static"],
    values: () => ["float", "int32"],
    describe: (bias) => `${bias} bias`,
    encode: (bias) => bias,
    decode: (text) => text as QdqBias,
    apply(bias, target) {
      target.options.qdqBias = bias;
    },
  });
  const result = await tune({
    ...base,
    approach: "static",
    calibration: train.batches.slice(0, 2),
    // Only the new dimension has a choice: default (float bias), then int32 bias.
    space: { calibration: ["minmax"], perChannel: [true], activationSymmetric: [false] },
    criterion: { relative: -0.5 },
    maxTrials: 2,
  });
  const [float, int32] = result.history;
  assert.deepEqual([float.phase, int32.phase], ["default", "recipe"]);
  assert.equal(float.config.recipe.qdqBias, "float");
  assert.equal(float.config.options.qdqBias, "float");
  assert.equal(int32.config.recipe.qdqBias, "int32");
  assert.equal(int32.config.options.qdqBias, "int32");
  assert.notEqual(int32.sizeBytes, float.sizeBytes, "int32 biases are other tensors");
  assert.ok(
    Math.abs(int32.accuracy - float.accuracy) < 0.05,
    `${int32.accuracy} vs ${float.accuracy}`,
  );
  assert.match(result.table().toString(), /minmax · per-channel · asymmetric act\. · int32 bias/);
});

Deno.test("deno task quantize --help lists the strategies a module registers", async () => {
  const plain = await runTask("quantize", { args: ["--help"] });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^ {4}basic +default, then recipes/m);
  assert.doesNotMatch(plain.stdout, /tail-first/);
  const imported = await runTask("quantize", {
    args: ["--help", "--import", "tests/support/tail_first_strategy.ts"],
  });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /^ {4}tail-first +quantize all, then fall back whole blocks/m);
  for (const name of ["exhaustive", "bayesian", "conservative", "mse", "mse_v2", "hawq_v2"]) {
    assert.match(plain.stdout, new RegExp(`^ {4}${name} +\\S`, "m"), name);
  }
  assert.match(plain.stdout, /--objective accuracy\|latency\|size\|pareto/);
  // bayesian is registered now (issue 12); an unregistered name is still refused.
  const unknown = await runTask("quantize", { args: ["--tune", "--strategy", "annealing"] });
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /--strategy annealing is not one of basic, random, exhaustive, bayesian/,
  );
  const objective = await runTask("quantize", { args: ["--tune", "--objective", "speed"] });
  assert.equal(objective.code, 1);
  assert.match(objective.stderr, /--objective speed is not one of accuracy, latency, size, pareto/);
});
