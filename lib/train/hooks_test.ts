import assert from "node:assert/strict";
import type { Tensor2D } from "@tensorflow/tfjs";
import { makeBatches } from "../data/mod.ts";
import { randomDistilBertWeights } from "../model/mod.ts";
import { syntheticExamples, TINY_CONFIG } from "./_test_support.ts";
import { tf, TfDistilBert } from "./mod.ts";
import type { EmbeddingCall, ForwardHooks } from "./mod.ts";

const weights = randomDistilBertWeights(TINY_CONFIG, { seed: 4, std: 0.3 });
const examples = syntheticExamples(6, 2);
const [batch] = makeBatches(examples.encoded, examples.labels, { batchSize: 6 });

/** Logits and the gradient of their sum w.r.t. every trainable weight, one training pass. */
function run(model: TfDistilBert, training: boolean) {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(model.forward(batch, { training, dropoutSeed: 5 }).logits),
      model.trainableVariables(),
    );
    return {
      logits: model.predict(batch),
      loss: value.dataSync()[0],
      // Variable names carry a per-model prefix: compare in state-dict order.
      grads: model.trainableVariables().map((v) => Array.from(grads[v.name].dataSync())),
    };
  });
}

Deno.test("the embedding hook sees both lookups with their names, tables, ids and length", async () => {
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
  const calls: { name: string; shape: number[]; ids?: number[]; length?: number; out: number[] }[] =
    [];
  model.hooks = {
    embedding: (call: EmbeddingCall, next) => {
      const out = next(call);
      calls.push({
        name: call.name,
        shape: [...call.table.shape],
        ids: call.ids && Array.from(call.ids.dataSync()),
        length: call.length,
        out: [...out.shape],
      });
      assert.equal(call.table, model.variable(`${call.name}.weight`));
      assert.equal(call.training, true);
      return out;
    },
  };
  tf.tidy(() => model.forward(batch, { training: true }).logits);
  const { size, seqLen, dim } = { ...batch, dim: TINY_CONFIG.dim };
  assert.deepEqual(calls, [
    {
      name: "distilbert.embeddings.word_embeddings",
      shape: [TINY_CONFIG.vocabSize, dim],
      ids: Array.from(batch.inputIds, Number),
      length: undefined,
      out: [size * seqLen, dim],
    },
    {
      name: "distilbert.embeddings.position_embeddings",
      shape: [TINY_CONFIG.maxPositionEmbeddings, dim],
      ids: undefined,
      length: seqLen,
      out: [seqLen, dim],
    },
  ]);
  model.dispose();
});

Deno.test("an embedding hook returning next(call) changes neither logits nor gradients", async () => {
  const plain = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
  let seen = 0;
  const passThrough: ForwardHooks = {
    embedding: (call, next) => (seen++, next(call)),
  };
  const hooked = await TfDistilBert.fromWeights(TINY_CONFIG, weights, { hooks: passThrough });
  for (const training of [false, true]) {
    const before = seen;
    const expected = run(plain, training);
    const actual = run(hooked, training);
    assert.ok(seen > before, "the hook ran");
    assert.deepEqual(actual, expected);
  }
  plain.dispose();
  hooked.dispose();
});

Deno.test("what an embedding hook returns is what the model adds up", async () => {
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
  const fp32 = model.predict(batch);
  // Doubling the word table's rows, in the hook or in the weights, gives the same logits.
  model.hooks = {
    embedding: (call, next) =>
      call.name.endsWith("word_embeddings")
        ? next({ ...call, table: tf.mul(call.table, 2) as Tensor2D })
        : next(call),
  };
  const hooked = model.predict(batch);
  assert.notDeepEqual(hooked, fp32);
  model.hooks = {};
  const doubled = new Map(weights);
  const name = "distilbert.embeddings.word_embeddings.weight";
  const table = weights.get(name)!;
  doubled.set(name, { shape: table.shape, data: table.data.map((v) => v * 2) });
  model.setWeights(doubled);
  assert.deepEqual(model.predict(batch), hooked);
  model.dispose();
});
