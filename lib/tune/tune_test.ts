import assert from "node:assert/strict";
import { JUPYTER_DISPLAY } from "../display/mod.ts";
import { plantedTuneFixture, SENSITIVE_OP, tokenBatches } from "./_test_support.ts";
import {
  classifierEvaluator,
  historyFigure,
  type Trial,
  tune,
  TuneError,
  type TuneOptions,
  TuneOptionsError,
} from "./mod.ts";

// A tiny DistilBERT whose layer-1 lin2 reads an activation with one outlier channel, labelled by
// its own FP32 predictions on confident rows: FP32 accuracy is 1 by construction.
const { model, labelled, session, calibration } = await plantedTuneFixture({ evalBatches: 32 });
const rows = labelled.reduce((n, b) => n + b.size, 0);
const base = {
  model,
  evaluate: classifierEvaluator({ batches: labelled, session }),
  latency: false,
  progress: false,
  session,
} satisfies Partial<TuneOptions>;

function phases(history: readonly Trial[]): string[] {
  return history.map((t) => t.phase);
}

Deno.test("tune (basic, static): finds and falls back the planted sensitive op", async () => {
  const seen: number[] = [];
  let ticks = 0;
  const result = await tune({
    ...base,
    calibration: tokenBatches(8, { seed: 1 }),
    progress: ({ label }) => ({
      tick: (n = 1) => void (label === "tune (basic)" && (ticks += n)),
      update() {},
      done() {},
      fail() {},
    }),
    onTrial: (trial, history) => void seen.push(trial.index, history.length),
  });
  console.log(result.toString());
  assert.equal(rows, 205);
  assert.equal(result.baseline.accuracy, 1);
  assert.equal(result.met, true, result.message);
  assert.equal(result.stopReason, "met");
  assert.deepEqual(result.best.fallbackNodes, [SENSITIVE_OP]);
  assert.equal(result.best.phase, "op-fallback");
  assert.ok(result.best.accuracy >= 0.99, `${result.best.accuracy}`);
  assert.equal(result.best.index, result.history.length - 1, "stops at the first op-wise hit");
  // Every config without a fallback loses > 10%: recipes cannot fix an outlier channel.
  for (const t of result.history.filter((t) => t.fallbackNodes.length === 0)) {
    assert.ok(t.accuracy < 0.9 && !t.met, `trial ${t.index} ${t.accuracy}`);
  }
  assert.deepEqual(phases(result.history).slice(0, 2), ["default", "recipe"]);
  assert.ok(phases(result.history).includes("block-fallback"));
  // The block phase found layer.1, the op phase narrowed it to lin2 (most sensitive by far).
  const layer1 = result.history.find((t) => t.met && t.phase === "block-fallback");
  assert.deepEqual(layer1?.config.fallback, ["layer.1"]);
  const ops = result.sensitivity.filter((e) => e.label === e.nodes[0]);
  assert.equal(ops.length, 6, "the six ops of layer.1");
  const sorted = [...ops].sort((a, b) => b.score - a.score);
  assert.equal(sorted[0].label, SENSITIVE_OP);
  assert.ok(sorted[0].score > 100 * sorted[1].score, `${sorted[0].score} vs ${sorted[1].score}`);
  // The returned model is that trial's: the op stays an FP32 MatMul, the others are quantized.
  assert.equal(result.model.graph.nodes.find((n) => n.name === SENSITIVE_OP)?.opType, "MatMul");
  assert.equal(result.best.quantizedNodes, 15);
  assert.equal(result.report.counts.quantized, 15);
  assert.equal((await base.evaluate(result.model)).accuracy, result.best.accuracy);
  assert.deepEqual(result.best.config.options.excludeNodes, [SENSITIVE_OP]);
  assert.equal(result.best.sizeBytes < result.baseline.sizeBytes, true);
  assert.equal(JSON.parse(JSON.stringify(result.best.config)).approach, "static");
  // Progress and callbacks: one per trial, in order.
  assert.equal(ticks, result.history.length);
  assert.deepEqual(seen, result.history.flatMap((t) => [t.index, t.index + 1]));
  // Display: the table of trials and the history chart.
  const html = result[JUPYTER_DISPLAY]()["text/html"] as string;
  assert.equal(html.match(/<tr>/g)?.length, result.history.length + 2, "header, FP32, trials");
  assert.match(html, /★/);
  const figure = historyFigure(result);
  const names = figure.data.map((t) => t.name);
  assert.ok(names.includes("op-fallback") && names.includes("best"));
  const criterion = figure.data.find((t) => String(t.name).startsWith("criterion"));
  assert.deepEqual(criterion?.y, [0.99, 0.99]);
});

Deno.test("tune (basic, dynamic, fused first): same op found; every linear stays quantizable", async () => {
  const result = await tune({
    ...base,
    approach: "dynamic",
    fuseFirst: true,
    calibration: tokenBatches(4),
  });
  assert.equal(result.met, true, result.message);
  assert.deepEqual(result.best.fallbackNodes, [SENSITIVE_OP]);
  // fuseFirst: true uses QUANTIZATION_FRIENDLY_PASSES: q/k/v become one MatMul, no Attention op.
  assert.ok(!result.model.graph.nodes.some((n) => n.opType === "Attention"), "no fused Attention");
  assert.ok(result.model.graph.nodes.some((n) => n.opType === "Gelu" || n.opType === "BiasGelu"));
  assert.equal(
    result.best.quantizedNodes,
    11,
    "2 embeddings + (qkv, out_lin, lin1, lin2) × 2 layers + 2 head − lin2",
  );
});

Deno.test("tune: sensitivity measured with evaluate when no batches are at hand", async () => {
  const result = await tune({ ...base, approach: "dynamic" });
  assert.equal(result.met, true, result.message);
  assert.deepEqual(result.best.fallbackNodes, [SENSITIVE_OP]);
  assert.ok(result.sensitivity.every((e) => e.measure === "accuracy-drop"));
  const lin2 = result.sensitivity.find((e) => e.label === SENSITIVE_OP)!;
  assert.ok(lin2.score > 0.2, `accuracy drop with lin2 quantized alone: ${lin2.score}`);
});

Deno.test("tune: an impossible criterion ends with met false, the best trial and full history", async () => {
  const result = await tune({
    ...base,
    approach: "dynamic",
    calibration: tokenBatches(4),
    criterion: { relative: -0.5 },
  });
  assert.equal(result.met, false);
  assert.equal(result.stopReason, "exhausted");
  assert.match(result.message, /^No configuration met ≥ 50% relative gain \(accuracy ≥ 1\.5000/);
  assert.match(result.message, /tried its whole space/);
  const count = (phase: string) => result.history.filter((t) => t.phase === phase).length;
  // default, per-tensor recipe, then single ops accumulated up to all but one (16 quantizable
  // nodes).
  assert.deepEqual([count("default"), count("recipe"), count("op-fallback")], [1, 1, 15]);
  // Blocks accumulated up to all but one (5 groups); the first block is tried with the tuned
  // recipe and, when the recipe trial won (which depends on the CPU's int8 kernel), also with
  // the default recipe.
  const blocks = result.history.filter((t) => t.phase === "block-fallback");
  const firsts = blocks.filter((t) => t.config.fallback.length === 1);
  assert.deepEqual(blocks.map((t) => t.config.fallback.length), [...firsts.map(() => 1), 2, 3, 4]);
  assert.equal(new Set(firsts.map((t) => JSON.stringify(t.config.recipe))).size, firsts.length);
  assert.ok(result.history.every((t) => !t.met));
  const bestAccuracy = Math.max(...result.history.map((t) => t.accuracy));
  assert.equal(result.best.accuracy, bestAccuracy);
  assert.equal(result.best.accuracy, 1, "falling back lin2 gives FP32 accuracy, still not +50%");
  assert.ok(result.model.graph.nodes.length > 0);
});

Deno.test("tune: the same seed gives the same history; another seed another", async () => {
  const run = (strategy: "basic" | "random", seed: number) =>
    tune({ ...base, calibration, strategy, seed, maxTrials: 6, criterion: { relative: -0.5 } });
  const [a, b, c] = await Promise.all([run("random", 5), run("random", 5), run("random", 6)]);
  const configs = (r: typeof a) => r.history.map((t) => t.config);
  assert.equal(a.history.length, 6);
  assert.deepEqual(configs(a), configs(b));
  assert.deepEqual(a.history.map((t) => t.accuracy), b.history.map((t) => t.accuracy));
  assert.notDeepEqual(configs(a), configs(c));
  assert.ok(a.history.slice(1).every((t) => t.phase === "random"));
  const [d, e] = await Promise.all([run("basic", 1), run("basic", 2)]);
  assert.deepEqual(configs(d), configs(e), "basic does not depend on the seed");
});

Deno.test("tune (random): respects maxTrials and the time budget", async () => {
  const capped = await tune({
    ...base,
    approach: "dynamic",
    strategy: "random",
    maxTrials: 5,
    criterion: { relative: -0.5 },
  });
  assert.equal(capped.history.length, 5);
  assert.equal(capped.stopReason, "maxTrials");
  assert.match(capped.message, /maxTrials \(5\) reached/);
  const keys = capped.history.map((t) => JSON.stringify(t.config));
  assert.equal(new Set(keys).size, 5, "no config repeated");

  const budget = 1.5;
  const timed = await tune({
    ...base,
    approach: "dynamic",
    strategy: "random",
    maxTrials: 10_000,
    timeBudgetSeconds: budget,
    criterion: { relative: -0.5 },
  });
  assert.equal(timed.stopReason, "timeBudget");
  assert.match(timed.message, /time budget \(1\.5 s\) spent/);
  assert.ok(timed.history.length >= 2 && timed.history.length < 10_000);
  // No trial starts after the deadline: the run ends at most one trial after it.
  const longest = Math.max(...timed.history.map((t) => t.seconds));
  assert.ok(timed.seconds <= budget + longest + 0.5, `${timed.seconds} s`);
});

Deno.test("tune: options and evaluation errors name the fix", async () => {
  await assert.rejects(() => tune({ ...base }), TuneOptionsError);
  await assert.rejects(
    () => tune({ ...base, calibration, strategy: "annealing" as never }),
    /unknown tuning strategy "annealing"; use one of "basic", "random", "exhaustive", "bayesian"/,
  );
  await assert.rejects(
    () => tune({ ...base, calibration, criterion: { relative: Number.NaN } }),
    /give exactly one finite number/,
  );
  await assert.rejects(() => tune({ ...base, calibration, maxTrials: 0 }), /maxTrials 0/);
  let calls = 0;
  const error = await tune({
    ...base,
    calibration,
    evaluate: () => Promise.resolve({ accuracy: calls++ === 0 ? 1 : Number.NaN }),
  }).catch((e) => e);
  assert.ok(error instanceof TuneError);
  assert.match(
    error.message,
    /^trial 0 \(default: minmax · per-channel · asymmetric act\., 0 node\(s\) FP32\): evaluate returned accuracy NaN/,
  );
});
