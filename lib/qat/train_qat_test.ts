import assert from "node:assert/strict";
import { join } from "node:path";
import { randomDistilBertWeights } from "../model/mod.ts";
import { Rng, TfDistilBert, type TrainOptions } from "../train/mod.ts";
import { QatQuantizer, QatStateError } from "./quantizer.ts";
import { qatStatePath, trainQat } from "./train_qat.ts";
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
    const resumed = await run({ checkpoint });
    assert.equal(resumed.result.resumedFrom, 5);
    assert.deepEqual(resumed.state, uninterrupted.state);
    assert.deepEqual(resumed.weights, uninterrupted.weights);
    // Observers saved at another update than the checkpoint cannot be resumed.
    const saved = JSON.parse(await Deno.readTextFile(qatStatePath(checkpoint)));
    await Deno.writeTextFile(qatStatePath(checkpoint), JSON.stringify({ ...saved, step: 3 }));
    await assert.rejects(run({ checkpoint }), QatStateError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
