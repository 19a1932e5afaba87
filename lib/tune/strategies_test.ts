/**
 * The strategies of issue 12 on the tiny DistilBERT with one planted sensitive op (layer 1's
 * lin2): each meets the criterion, exhaustive finds the known best of its space, bayesian is
 * deterministic for a seed, and objectives and the trial cache do what they say.
 */
import assert from "node:assert/strict";
import {
  BUILT_IN_STRATEGIES,
  plantedTuneFixture,
  SENSITIVE_OP,
  tokenBatches,
} from "./_test_support.ts";
import {
  askTellStrategy,
  classifierEvaluator,
  paretoFront,
  type RecipeSpace,
  tune,
  TUNE_STRATEGIES,
  type TuneOptions,
  TuneOptionsError,
} from "./mod.ts";

const { model, labelled, session, calibration } = await plantedTuneFixture({ evalBatches: 24 });
const sensitivityBatches = tokenBatches(2, { seed: 1 });
const base = {
  model,
  calibration,
  sensitivity: { batches: sensitivityBatches },
  evaluate: classifierEvaluator({ batches: labelled, session }),
  latency: false,
  progress: false,
  session,
} satisfies Partial<TuneOptions>;
/** One recipe: only fallbacks vary. */
const oneRecipe: Partial<RecipeSpace> = {
  calibration: ["minmax"],
  perChannel: [true],
  activationSymmetric: [false],
};

Deno.test("strategies: every one of issue 12 is registered", () => {
  for (const name of BUILT_IN_STRATEGIES) {
    assert.ok(TUNE_STRATEGIES.names().includes(name), name);
  }
});

Deno.test("exhaustive: tries the whole small space and finds the known best (layer.1 alone in FP32)", async () => {
  const result = await tune({ ...base, strategy: "exhaustive", space: oneRecipe });
  // 5 blocks (embeddings, layer.0, layer.1, pre_classifier, classifier), sets of at most 4.
  assert.equal(result.history.length, 1 + 5 + 10 + 10 + 5);
  assert.equal(result.met, true, result.message);
  assert.deepEqual(result.best.config.fallback, ["layer.1"]);
  // Every passing trial falls back layer.1; no trial without it passes.
  for (const t of result.history) assert.equal(t.met, t.config.fallback.includes("layer.1"));
});

Deno.test("bayesian: meets the criterion and is deterministic for a seed", async () => {
  const run = (seed: number) => tune({ ...base, strategy: "bayesian", seed, maxTrials: 12 });
  const [a, b] = [await run(3), await run(3)];
  const path = (r: typeof a) => r.history.map((t) => `${t.phase}:${t.config.fallback.join("+")}`);
  assert.deepEqual(path(a), path(b));
  assert.equal(a.met, true, a.message);
  assert.ok(a.best.fallbackNodes.includes(SENSITIVE_OP));
  assert.deepEqual(a.history.slice(1, 3).map((t) => t.phase), ["bayesian-init", "bayesian-init"]);
  const c = await run(4);
  assert.notDeepEqual(path(c), path(a), "another seed draws other initial points");
});

Deno.test("conservative: quantizes op types while accuracy holds, never keeping lin2", async () => {
  const result = await tune({ ...base, strategy: "conservative", space: oneRecipe });
  assert.equal(result.met, true, result.message);
  assert.deepEqual(result.best.fallbackNodes, [SENSITIVE_OP]);
  assert.match(result.history[0].phase, /^op-type /);
});

Deno.test("mse: falls back by op output error, lin2 first", async () => {
  const result = await tune({ ...base, strategy: "mse", space: oneRecipe });
  assert.equal(result.met, true, result.message);
  assert.deepEqual(result.history[1].fallbackNodes, [SENSITIVE_OP]);
  assert.equal(result.history.length, 2);
});

Deno.test("mse_v2: lin2 recovers most; the re-quantize phase keeps it alone", async () => {
  const result = await tune({ ...base, strategy: "mse_v2", space: oneRecipe });
  assert.equal(result.met, true, result.message);
  assert.deepEqual(result.history[1].fallbackNodes, [SENSITIVE_OP]);
  assert.deepEqual(result.best.fallbackNodes, [SENSITIVE_OP]);
});

Deno.test("hawq_v2: Hessian-trace order on the tfjs engine meets the criterion", async () => {
  const result = await tune({ ...base, strategy: "hawq_v2", space: oneRecipe, maxTrials: 30 });
  assert.equal(result.met, true, result.message);
  assert.ok(result.best.fallbackNodes.includes(SENSITIVE_OP));
  assert.ok(result.history.slice(1).every((t) => t.phase === "hawq-fallback"));
});

Deno.test("objective size: searches the budget and returns the smallest passing trial", async () => {
  const result = await tune({
    ...base,
    strategy: "exhaustive",
    space: oneRecipe,
    objective: "size",
    maxTrials: 8,
  });
  assert.equal(result.history.length, 8, "does not stop at the first pass");
  const passing = result.history.filter((t) => t.met);
  assert.ok(passing.length >= 2);
  assert.equal(result.best.sizeBytes, Math.min(...passing.map((t) => t.sizeBytes)));
  await assert.rejects(
    tune({ ...base, objective: "latency" }),
    (e: Error) => e instanceof TuneOptionsError && /needs trial latencies/.test(e.message),
  );
});

Deno.test("Pareto front: no trial on it is dominated, every trial off it is", () => {
  const t = (index: number, accuracy: number, latencyMs: number, sizeBytes: number) => ({
    index,
    accuracy,
    latencyMs,
    sizeBytes,
    phase: "p",
    metrics: {},
    seconds: 0,
    met: true,
  });
  const trials = [
    t(0, 0.9, 10, 4),
    t(1, 0.85, 8, 4),
    t(2, 0.85, 9, 4),
    t(3, 0.8, 8, 2),
    t(4, 0.9, 10, 5),
    t(5, 0.7, 12, 1),
  ];
  const front = paretoFront(trials);
  assert.deepEqual(front.map((x) => x.index), [0, 1, 3, 5]);
  const better = (a: typeof trials[0], b: typeof trials[0]) =>
    a.accuracy >= b.accuracy && a.latencyMs <= b.latencyMs && a.sizeBytes <= b.sizeBytes &&
    (a.accuracy > b.accuracy || a.latencyMs < b.latencyMs || a.sizeBytes < b.sizeBytes);
  for (const x of front) assert.ok(!trials.some((o) => better(o, x)));
  for (const x of trials.filter((x) => !front.includes(x))) {
    assert.ok(trials.some((o) => better(o, x)));
  }
});

Deno.test("trial cache: a re-run with a larger budget replays cached trials and continues", async () => {
  const dir = await Deno.makeTempDir();
  const options = { ...base, strategy: "exhaustive", space: oneRecipe, cache: dir };
  const first = await tune({ ...options, maxTrials: 4 });
  assert.equal(first.history.filter((t) => t.cached).length, 0);
  const second = await tune({ ...options, maxTrials: 6 });
  assert.deepEqual(second.history.map((t) => t.cached ?? false), [
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
  assert.deepEqual(
    second.history.slice(0, 4).map((t) => t.accuracy),
    first.history.map((t) => t.accuracy),
  );
  assert.equal([...Deno.readDirSync(dir)].length, 6);
});

Deno.test("ask/tell adapter: a loopback optimizer service proposes trials and is told results", async () => {
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  const plan = [
    { perChannel: "true" },
    { perChannel: "true", fallback: ["layer.0"] },
    { perChannel: "true", fallback: ["layer.1"] },
  ];
  let asked = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json();
    requests.push({ path, body });
    if (path === "/v1/experiments") return Response.json({ id: "e1" });
    if (path === "/v1/experiments/e1/suggestions") {
      return asked < plan.length
        ? Response.json({ id: ++asked, assignments: plan[asked - 1] })
        : Response.json({ done: true });
    }
    if (path === "/v1/experiments/e1/observations") return Response.json({});
    return new Response("no such route", { status: 404 });
  });
  try {
    const strategy = askTellStrategy({
      name: "loopback",
      url: `http://127.0.0.1:${server.addr.port}/v1`,
    });
    const result = await tune({ ...base, strategy, space: oneRecipe });
    assert.equal(result.strategy, "loopback");
    assert.deepEqual(result.history.map((t) => t.config.fallback), [[], ["layer.0"], ["layer.1"]]);
    assert.equal(result.met, true, result.message);
    const created = requests[0].body as { parameters: { name: string }[]; fallbackUnits: string[] };
    assert.deepEqual(created.parameters.map((p) => p.name), [
      "calibration",
      "perChannel",
      "activationSymmetric",
    ]);
    assert.deepEqual(created.fallbackUnits, [
      "embeddings",
      "layer.0",
      "layer.1",
      "pre_classifier",
      "classifier",
    ]);
    const told = requests.filter((r) => r.path.endsWith("/observations")).map((r) => r.body);
    assert.deepEqual(told.map((o) => o.suggestion), [1, 2, 3]);
    assert.deepEqual(told.map((o) => o.met), [false, false, true]);
    assert.deepEqual(told.map((o) => o.value), result.history.map((t) => t.accuracy));
    // A suggestion outside the space is refused with its name.
    plan.push({ perChannel: "maybe" });
    asked = 3;
    await assert.rejects(
      tune({ ...base, strategy, space: oneRecipe }),
      /suggestion 4 .*perChannel = "maybe" is not one of true/,
    );
  } finally {
    await server.shutdown();
  }
});
