import assert from "node:assert/strict";
import { join } from "node:path";
import { randomDistilBertWeights } from "../model/random.ts";
import type { WeightMap } from "../model/weights.ts";
import { tf } from "./backend.ts";
import { readCheckpoint } from "./checkpoint.ts";
import { TfDistilBert } from "./distilbert.ts";
import { type TrainExtension, TrainExtensionError } from "./extension.ts";
import { CheckpointMismatchError, train, type TrainOptions } from "./train.ts";
import { syntheticExamples, TINY_CONFIG } from "./_test_support.ts";

const init = randomDistilBertWeights(TINY_CONFIG, { seed: 31, std: 0.2 });
const data = syntheticExamples(40, 5);
const base: TrainOptions = {
  progress: false,
  log: false,
  handleSigint: false,
  seed: 3,
  epochs: 2,
  batchSize: 8,
  bucketBatches: 2,
  learningRate: 3e-3,
  warmupSteps: 2,
};
const CLASSIFIER = "classifier.weight";
const LIN1 = "distilbert.transformer.layer.0.ffn.lin1.weight";

async function run(options: TrainOptions) {
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, init);
  try {
    const result = await train(model, data, { ...base, ...options });
    return { result, weights: model.toWeightMap(), hooks: model.hooks };
  } finally {
    model.dispose();
  }
}

/** Copies of the gradients and the weights (before the update) of every step. */
function recorder() {
  const steps: { gradients: Map<string, Float32Array>; weights: WeightMap }[] = [];
  const extension: TrainExtension = {
    name: "recorder",
    afterGradients: ({ gradients, model }) => {
      steps.push({
        gradients: new Map([...gradients].map(([n, g]) => [n, g.slice()])),
        weights: model.toWeightMap(),
      });
    },
  };
  return { steps, extension };
}

/** λ·Σw² on one weight, as a loss term. */
function l2(name: string, lambda: number): TrainExtension {
  return {
    name: "l2",
    loss: ({ model }) => tf.mul(lambda, tf.sum(tf.square(model.variable(name)))),
  };
}

Deno.test("an extension's loss term is differentiated with the loss; gradients are exposed by weight", async () => {
  const lambda = 0.25;
  const plain = recorder();
  const a = await run({ maxSteps: 1, extensions: [plain.extension] });
  const penalised = recorder();
  const b = await run({ maxSteps: 1, extensions: [l2(CLASSIFIER, lambda), penalised.extension] });
  const [gA, gB] = [plain.steps[0].gradients, penalised.steps[0].gradients];
  assert.equal(gA.size, [...init.keys()].filter((n) => !n.includes("position")).length + 1);
  const w = penalised.steps[0].weights.get(CLASSIFIER)!.data;
  assert.deepEqual(w, init.get(CLASSIFIER)!.data); // seen before the update
  const diff = gB.get(CLASSIFIER)!.map((g, i) => g - gA.get(CLASSIFIER)![i]);
  let worst = 0;
  w.forEach((x, i) => (worst = Math.max(worst, Math.abs(diff[i] - 2 * lambda * x))));
  assert.ok(worst < 1e-6, `∂(λ·Σw²)/∂w differs from 2λw by ${worst}`);
  assert.ok(Math.max(...w.map(Math.abs)) > 0.1); // so 2λw is far from rounding noise
  // The other weights' gradients do not see the term.
  assert.deepEqual(gB.get(LIN1), gA.get(LIN1));
  // The recorded loss includes the term.
  let sumSquares = 0;
  for (const x of w) sumSquares += x * x;
  const added = b.result.history[0].loss - a.result.history[0].loss;
  assert.ok(Math.abs(added - lambda * sumSquares) < 1e-5, `${added} vs ${lambda * sumSquares}`);
});

Deno.test("the gradient an extension sees matches a finite-difference estimate of the loss", async () => {
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, init, {
    dropout: { hidden: 0, attention: 0, classifier: 0 },
  });
  const seen = recorder();
  const options = { ...base, maxSteps: 1, learningRate: 0, warmupSteps: 0, weightDecay: 0 };
  const at = async (index: number, delta: number) => {
    const w = init.get(CLASSIFIER)!;
    const moved = new Float32Array(w.data);
    moved[index] += delta;
    model.setWeights(new Map([...init, [CLASSIFIER, { shape: w.shape, data: moved }]]));
    const r = await train(model, data, { ...options, extensions: [seen.extension] });
    return r.history[0].loss;
  };
  try {
    await at(0, 0);
    const gradient = seen.steps[0].gradients.get(CLASSIFIER)!;
    let index = 0;
    gradient.forEach((g, i) => (index = Math.abs(g) > Math.abs(gradient[index]) ? i : index));
    const exact = gradient[index];
    assert.ok(Math.abs(exact) > 1e-2, `gradient ${exact}`);
    const h = 1e-2;
    const estimate = ((await at(index, h)) - (await at(index, -h))) / (2 * h);
    assert.ok(
      Math.abs(estimate - exact) < 1e-3 * Math.abs(exact) + 1e-4,
      `${estimate} vs ${exact}`,
    );
  } finally {
    model.dispose();
  }
});

/** Zeroes the masked entries of one weight at the start and after every update. */
function maskExtension(name: string, mask: Float32Array): TrainExtension {
  const apply = (model: TfDistilBert) => {
    const v = model.variable(name);
    tf.tidy(() => v.assign(tf.mul(v, tf.tensor(mask, v.shape))));
  };
  return {
    name: "mask",
    start: ({ model }) => apply(model),
    afterUpdate: ({ model }) => apply(model),
  };
}

Deno.test("an after-update step keeps masked weights at zero through every update", async () => {
  const size = init.get(LIN1)!.data.length;
  const mask = Float32Array.from({ length: size }, (_, i) => (i % 3 === 0 ? 0 : 1));
  const afterEach: Float32Array[] = [];
  const watcher: TrainExtension = {
    name: "watch",
    afterUpdate: ({ model }) => afterEach.push(model.variable(LIN1).dataSync() as Float32Array),
  };
  const masked = await run({ extensions: [maskExtension(LIN1, mask), watcher] });
  const free = await run({});
  assert.equal(afterEach.length, 10);
  const start = init.get(LIN1)!.data;
  for (const w of afterEach) {
    assert.ok(w.every((x, i) => mask[i] === 1 || x === 0));
  }
  const last = masked.weights.get(LIN1)!.data;
  assert.ok(last.every((x, i) => (mask[i] === 0) === (x === 0)));
  assert.ok(last.every((x, i) => mask[i] === 0 || x !== start[i])); // the others trained
  // Without the mask the same entries move off zero: the test can fail.
  assert.ok(free.weights.get(LIN1)!.data.every((x) => x !== 0));
});

/** Accumulates |w·∂L/∂w| of one weight (a first-order Taylor score) and counts the batches. */
function taylor(name: string) {
  let score: Float32Array | undefined;
  let batches = 0;
  const extension: TrainExtension = {
    name: "taylor",
    afterGradients: ({ model, gradients }) => {
      const w = model.variable(name).dataSync();
      const g = gradients.get(name)!;
      score ??= new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) score[i] += Math.abs(w[i] * g[i]);
      batches++;
    },
    saveState: () => ({
      data: { batches },
      tensors: score
        ? new Map([[`score/${name}`, { shape: [score.length], data: score }]])
        : undefined,
    }),
    loadState: (state) => {
      batches = (state.data as { batches: number }).batches;
      score = state.tensors?.get(`score/${name}`)?.data.slice();
    },
  };
  return { extension, result: () => ({ batches, score }) };
}

Deno.test("an extension's state is saved inside the checkpoint and a resumed run continues from it", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoint = join(dir, "ckpt.safetensors");
  try {
    const whole = taylor(LIN1);
    const uninterrupted = await run({ extensions: [whole.extension] });
    assert.equal(whole.result().batches, 10);

    const controller = new AbortController();
    const first = taylor(LIN1);
    await run({
      checkpoint,
      signal: controller.signal,
      extensions: [first.extension],
      onStep: (r) => {
        if (r.step === 4) controller.abort();
      },
    });
    const saved = await readCheckpoint<{ step: number }>(checkpoint);
    assert.equal(saved.state.step, 4);
    const state = saved.extensions!.get("taylor")!;
    assert.deepEqual(state.data, { batches: 4 });
    assert.deepEqual(state.tensors!.get(`score/${LIN1}`)!.data, first.result().score);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ckpt.safetensors"]);

    const second = taylor(LIN1);
    let resumedFrom: number | undefined;
    const starter: TrainExtension = {
      name: "starter",
      start: (c) => void (resumedFrom = c.resumedFrom),
    };
    const resumed = await run({ checkpoint, extensions: [second.extension, starter] });
    assert.equal(resumed.result.resumedFrom, 4);
    assert.equal(resumedFrom, 4);
    assert.equal(second.result().batches, 10);
    assert.deepEqual(second.result().score, whole.result().score);
    assert.deepEqual(resumed.weights, uninterrupted.weights);

    // The checkpoint's extension state must meet the same extensions.
    await assert.rejects(run({ checkpoint }), CheckpointMismatchError);
    const other: TrainExtension = { name: "other", saveState: () => ({}), loadState: () => {} };
    await assert.rejects(
      run({ checkpoint, extensions: [taylor(LIN1).extension, other] }),
      (e: Error) => e instanceof CheckpointMismatchError && /"other"/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("extensions compose in order inside the model's own hooks, which train restores", async () => {
  const calls: string[] = [];
  const tag = (name: string): TrainExtension => ({
    name,
    hooks: {
      linear: (call, next) => {
        if (call.name === "classifier") calls.push(name);
        return next(call);
      },
    },
  });
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, init);
  try {
    const own = { linear: tag("own").hooks!.linear };
    model.hooks = own;
    await train(model, data, { ...base, maxSteps: 1, extensions: [tag("a"), tag("b")] });
    assert.deepEqual(calls, ["own", "a", "b"]);
    assert.equal(model.hooks, own);
    await assert.rejects(
      train(model, data, { ...base, maxSteps: 1, extensions: [tag("a"), tag("a")] }),
      TrainExtensionError,
    );
  } finally {
    model.dispose();
  }
});
