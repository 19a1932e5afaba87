import assert from "node:assert/strict";
import { join } from "node:path";
import { makeBatches } from "../data/batch.ts";
import { randomDistilBertWeights } from "../model/random.ts";
import { readSafetensors } from "../model/safetensors.ts";
import type { WeightMap } from "../model/weights.ts";
import type { ProgressReporter } from "../progress/mod.ts";
import { CheckpointError, readCheckpoint } from "./checkpoint.ts";
import { TfDistilBert } from "./distilbert.ts";
import { linearWarmupDecay } from "./schedule.ts";
import { CheckpointMismatchError, train, type TrainOptions } from "./train.ts";
import { syntheticExamples, TINY_CONFIG } from "./_test_support.ts";

const init = randomDistilBertWeights(TINY_CONFIG, { seed: 21, std: 0.2 });
const data = syntheticExamples(60, 1);
const quiet = { progress: false, log: false, handleSigint: false } as const;
const base: TrainOptions = {
  ...quiet,
  seed: 7,
  epochs: 2,
  batchSize: 8,
  bucketBatches: 2,
  learningRate: 3e-3,
  warmupSteps: 2,
};

async function run(options: TrainOptions, weights: WeightMap = init) {
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
  try {
    const result = await train(model, data, options);
    return { result, weights: model.toWeightMap() };
  } finally {
    model.dispose();
  }
}

Deno.test("the same seed gives the same weights; another seed other weights", async () => {
  const a = await run(base);
  const b = await run(base);
  const c = await run({ ...base, seed: 8 });
  assert.equal(a.result.steps, 16); // 2 epochs × ceil(60 / 8)
  assert.equal(a.result.stepsPerEpoch, 8);
  assert.deepEqual(b.weights, a.weights);
  assert.deepEqual(b.result.history.map((r) => r.loss), a.result.history.map((r) => r.loss));
  assert.notDeepEqual(c.weights, a.weights);
  assert.notDeepEqual(a.weights, init);
});

Deno.test("a run stopped and resumed from its checkpoint ends with the uninterrupted run's weights", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoint = join(dir, "ckpt.safetensors");
  const uninterrupted = await run(base);

  const controller = new AbortController();
  const first = await run({
    ...base,
    checkpoint,
    signal: controller.signal,
    onStep: (r) => {
      if (r.step === 5) controller.abort();
    },
  });
  assert.equal(first.result.status, "stopped");
  assert.equal(first.result.steps, 5);
  const saved = await readCheckpoint<{ step: number; epoch: number }>(checkpoint);
  assert.equal(saved.state.step, 5);
  assert.equal(saved.optimizer.step, 5);
  // The checkpoint is a model file too: its weights load with readSafetensors.
  const asModel = await readSafetensors(checkpoint);
  assert.deepEqual(asModel.get("classifier.weight"), first.weights.get("classifier.weight"));

  // Resume into a model with other weights: the checkpoint restores everything.
  const other = randomDistilBertWeights(TINY_CONFIG, { seed: 99 });
  const resumed = await run({ ...base, checkpoint }, other);
  assert.equal(resumed.result.status, "completed");
  assert.equal(resumed.result.resumedFrom, 5);
  assert.equal(resumed.result.steps, 16);
  assert.deepEqual(resumed.weights, uninterrupted.weights);
  assert.deepEqual(
    resumed.result.history.map((r) => r.loss),
    uninterrupted.result.history.map((r) => r.loss),
  );

  await assert.rejects(run({ ...base, batchSize: 4, checkpoint }), CheckpointMismatchError);
  await Deno.writeTextFile(join(dir, "bad.safetensors"), "not a checkpoint");
  await assert.rejects(run({ ...base, checkpoint: join(dir, "bad.safetensors") }), Error);
  const fresh = await run({ ...base, checkpoint, resume: false, maxSteps: 1 });
  assert.equal(fresh.result.resumedFrom, undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Ctrl+C finishes the step, writes the checkpoint and returns", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoint = join(dir, "ckpt.safetensors");
  const fixture = new URL("./_sigint_fixture.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fixture, checkpoint],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(result.status, "stopped");
  // The fixture signals itself after update 3; the signal arrives asynchronously, so the update in
  // flight when it lands (3, or 4 on a busy machine) is finished, checkpointed, and training stops.
  assert.ok(result.steps === 3 || result.steps === 4, `stopped after ${result.steps} steps`);
  assert.match(result.lines.join("\n"), /Ctrl\+C: finishing this step/);
  assert.equal((await readCheckpoint<{ step: number }>(checkpoint)).state.step, result.steps);
  await assert.rejects(readCheckpoint(join(dir, "missing.safetensors")), CheckpointError);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("callbacks, evaluation every N steps, schedule and progress", async () => {
  const validationRows = syntheticExamples(24, 2);
  const validation = makeBatches(validationRows.encoded, validationRows.labels, { batchSize: 8 });
  const steps: number[] = [];
  const evalSteps: number[] = [];
  const updates: number[] = [];
  const progress = (): ProgressReporter => ({
    tick() {},
    update: (v) => updates.push(v),
    done() {},
    fail() {},
  });
  const { result } = await run({
    ...base,
    progress,
    evalEvery: 5,
    onStep: (r) => {
      steps.push(r.step);
    },
    onEval: (r) => {
      evalSteps.push(r.step);
    },
  });
  assert.deepEqual(steps, [...Array(16).keys()].map((i) => i + 1));
  assert.deepEqual(updates.at(-1), 16);
  assert.equal(evalSteps.length, 0); // no validation data given
  const withValidation = await (async () => {
    const model = await TfDistilBert.fromWeights(TINY_CONFIG, init);
    const r = await train(model, { ...data, validation }, {
      ...base,
      evalEvery: 5,
      onEval: (e) => {
        evalSteps.push(e.step);
      },
    });
    model.dispose();
    return r;
  })();
  assert.deepEqual(evalSteps, [5, 10, 15, 16]);
  assert.deepEqual(withValidation.evals.map((e) => e.step), [5, 10, 15, 16]);
  const lr = linearWarmupDecay({ peak: 3e-3, warmupSteps: 2, totalSteps: 16 });
  result.history.forEach((r, i) => assert.equal(r.lr, lr(i)));
  assert.ok(result.history.every((r) => r.tokens > 0 && r.paddedTokens >= r.tokens));
  assert.ok(result.tokensPerSecond > 0);
});

Deno.test("training learns a synthetic rule (held-out accuracy rises above 90%)", async () => {
  const heldOut = syntheticExamples(64, 3);
  const validation = makeBatches(heldOut.encoded, heldOut.labels, { batchSize: 16 });
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, init, {
    dropout: { hidden: 0, attention: 0, classifier: 0 },
  });
  const result = await train(model, { ...syntheticExamples(256, 4), validation }, {
    ...quiet,
    epochs: 6,
    batchSize: 16,
    learningRate: 1e-2,
    warmupSteps: 5,
    weightDecay: 0,
  });
  const [first, last] = [result.history[0].loss, result.history.at(-1)!.loss];
  assert.ok(last < first / 3, `loss ${first} → ${last}`);
  assert.ok(result.evals.at(-1)!.accuracy > 0.9, `accuracy ${result.evals.at(-1)!.accuracy}`);
  model.dispose();
});
