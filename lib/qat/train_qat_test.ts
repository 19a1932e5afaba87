import assert from "node:assert/strict";
import { join } from "node:path";
import { randomDistilBertWeights } from "../model/mod.ts";
import {
  CheckpointMismatchError,
  readCheckpoint,
  Rng,
  tf,
  TfDistilBert,
  train,
  type TrainExtension,
  type TrainOptions,
  writeCheckpoint,
} from "../train/mod.ts";
import { QatQuantizer, type QatQuantizerState, QatStateError } from "./quantizer.ts";
import { qatExtension, trainQat } from "./train_qat.ts";
import { TINY_CONFIG } from "../train/_test_support.ts";

const config = TINY_CONFIG;
const init = randomDistilBertWeights(config, { seed: 11, std: 0.2 });
const rng = new Rng(4);
const encoded = Array.from({ length: 24 }, () => {
  const ids = [2, ...Array.from({ length: 2 + rng.int(6) }, () => 5 + rng.int(25)), 3];
  return { inputIds: ids, attentionMask: ids.map(() => 1) };
});
const data = { encoded, labels: encoded.map((e) => (e.inputIds.includes(7) ? 1 : 0)) };
const base: TrainOptions = {
  seed: 2,
  epochs: 2,
  batchSize: 4,
  learningRate: 3e-3,
  warmupSteps: 1,
  progress: false,
  log: false,
  handleSigint: false,
};

async function run(options: TrainOptions) {
  const model = await TfDistilBert.fromWeights(config, init);
  const quantizer = new QatQuantizer({ momentum: 0.9 });
  try {
    const result = await trainQat(model, quantizer, data, { ...base, ...options });
    return { result, weights: model.toWeightMap(), state: quantizer.state() };
  } finally {
    model.dispose();
  }
}

Deno.test("a QAT run stopped and resumed ends with the uninterrupted run's weights and ranges", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoint = join(dir, "qat.safetensors");
  try {
    const uninterrupted = await run({});
    assert.equal(uninterrupted.result.steps, 12);
    const controller = new AbortController();
    const first = await run({
      checkpoint,
      signal: controller.signal,
      onStep: (r) => {
        if (r.step === 5) controller.abort();
      },
    });
    assert.equal(first.result.status, "stopped");
    assert.equal(first.state.observers["classifier"].updates, 5);
    // The observers live inside the engine's checkpoint, at its update; no side file.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["qat.safetensors"]);
    const saved = await readCheckpoint<{ step: number }>(checkpoint);
    assert.equal(saved.state.step, 5);
    assert.deepEqual(saved.extensions, new Map([["qat", { data: first.state }]]));
    const resumed = await run({ checkpoint });
    assert.equal(resumed.result.resumedFrom, 5);
    assert.deepEqual(resumed.state, uninterrupted.state);
    assert.deepEqual(resumed.weights, uninterrupted.weights);
    // The resumed observers come from the checkpoint: a saved state of another scheme is refused,
    // one without QAT state too, and a run without QAT does not drop the observers silently.
    const tampered = (qat: QatQuantizerState) =>
      writeCheckpoint(checkpoint, { ...saved, extensions: new Map([["qat", { data: qat }]]) });
    await tampered({ ...first.state, scheme: { ...first.state.scheme, momentum: 0.5 } });
    await assert.rejects(
      run({ checkpoint }),
      (e: Error) => e instanceof QatStateError && /scheme/.test(e.message),
    );
    await writeCheckpoint(checkpoint, { ...saved, extensions: new Map() });
    await assert.rejects(run({ checkpoint }), CheckpointMismatchError);
    await tampered(first.state);
    const model = await TfDistilBert.fromWeights(config, init);
    await assert.rejects(train(model, data, { ...base, checkpoint }), CheckpointMismatchError);
    // Attached and given as an extension, the hooks would run twice: refused.
    const quantizer = new QatQuantizer();
    quantizer.attach(model);
    await assert.rejects(
      train(model, data, { ...base, maxSteps: 1, extensions: [qatExtension(quantizer)] }),
      (e: Error) => e instanceof QatStateError && /twice/.test(e.message),
    );
    model.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("QAT composes with another extension: masked weights stay zero, both states in one checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoint = join(dir, "both.safetensors");
  const name = "distilbert.transformer.layer.0.ffn.lin1.weight";
  const size = init.get(name)!.data.length;
  const mask = Float32Array.from({ length: size }, (_, i) => (i % 2 === 0 ? 0 : 1));
  const apply = (model: TfDistilBert) => {
    const v = model.variable(name);
    tf.tidy(() => v.assign(tf.mul(v, tf.tensor(mask, v.shape))));
  };
  const masking: TrainExtension = {
    name: "mask",
    start: ({ model }) => apply(model),
    afterUpdate: ({ model }) => apply(model),
    saveState: () => ({ tensors: new Map([["mask", { shape: [size], data: mask }]]) }),
    loadState: () => {},
  };
  try {
    const { result, weights, state } = await run({ checkpoint, extensions: [masking] });
    assert.equal(result.steps, 12);
    assert.equal(state.observers[name.replace(/\.weight$/, "")].updates, 12);
    const trained = weights.get(name)!.data;
    assert.ok(trained.every((x, i) => (mask[i] === 0) === (x === 0)));
    const saved = await readCheckpoint(checkpoint);
    assert.deepEqual([...saved.extensions!.keys()], ["mask", "qat"]);
    assert.deepEqual(saved.extensions!.get("mask")!.tensors!.get("mask")!.data, mask);
    assert.deepEqual(saved.extensions!.get("qat")!.data, state);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
