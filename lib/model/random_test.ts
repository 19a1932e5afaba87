import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { encodeModel } from "../onnx/mod.ts";
import { DISTILBERT_BASE, type DistilBertConfig } from "./config.ts";
import { distilBertWeightShapes } from "./distilbert_graph.ts";
import { buildDistilBert, randomDistilBertWeights } from "./random.ts";

const SMALL: DistilBertConfig = {
  ...DISTILBERT_BASE,
  vocabSize: 1000,
  dim: 64,
  nLayers: 2,
  nHeads: 4,
  hiddenDim: 128,
  maxPositionEmbeddings: 64,
  padTokenId: 0,
};

Deno.test("random weights follow HF's init and are deterministic per seed", () => {
  const a = randomDistilBertWeights(SMALL, { seed: 42 });
  assert.deepEqual(a, randomDistilBertWeights(SMALL, { seed: 42 }));
  assert.equal(a.size, distilBertWeightShapes(SMALL).size);
  for (const [name, shape] of distilBertWeightShapes(SMALL)) {
    assert.deepEqual(a.get(name)!.shape, shape, name);
  }
  const words = a.get("distilbert.embeddings.word_embeddings.weight")!.data;
  // Padding row 0 is zero, the rest ~ normal(0, 0.02).
  assert.ok(words.subarray(0, 64).every((v) => v === 0));
  const rest = words.subarray(64);
  const mean = rest.reduce((s, v) => s + v, 0) / rest.length;
  const std = Math.sqrt(rest.reduce((s, v) => s + (v - mean) ** 2, 0) / rest.length);
  assert.ok(Math.abs(mean) < 5e-4, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.02) < 5e-4, `std ${std}`);
  // About 68.3% of a normal lies within one standard deviation.
  const within = rest.filter((v) => Math.abs(v) < 0.02).length / rest.length;
  assert.ok(Math.abs(within - 0.6827) < 0.01, `within 1σ: ${within}`);
  assert.ok(
    a.get("distilbert.transformer.layer.1.output_layer_norm.weight")!.data.every((v) => v === 1),
  );
  assert.ok(
    a.get("distilbert.transformer.layer.1.output_layer_norm.bias")!.data.every((v) => v === 0),
  );
  assert.ok(a.get("classifier.bias")!.data.every((v) => v === 0));
  // Another seed gives other values; each tensor has its own stream.
  const b = randomDistilBertWeights(SMALL, { seed: 43 });
  assert.notDeepEqual(b.get("classifier.weight"), a.get("classifier.weight"));
  const q = a.get("distilbert.transformer.layer.0.attention.q_lin.weight")!.data;
  const k = a.get("distilbert.transformer.layer.0.attention.k_lin.weight")!.data;
  assert.notDeepEqual(q, k);
  const deeper = randomDistilBertWeights({ ...SMALL, nLayers: 3 }, { seed: 42 });
  assert.deepEqual(deeper.get("distilbert.transformer.layer.0.attention.q_lin.weight")!.data, q);
});

Deno.test("sinusoidal position embeddings use HF's table", () => {
  const w = randomDistilBertWeights({ ...SMALL, sinusoidalPosEmbds: true }, { seed: 1 });
  const table = w.get("distilbert.embeddings.position_embeddings.weight")!.data;
  const dim = SMALL.dim;
  assert.equal(table[0], 0); // sin(0)
  assert.equal(table[1], 1); // cos(0)
  assert.ok(Math.abs(table[dim] - Math.sin(1)) < 1e-7);
  assert.ok(Math.abs(table[dim + 1] - Math.cos(1)) < 1e-7);
  // Column 2 of position 3: sin(3 / 10000^(2/dim)).
  assert.ok(Math.abs(table[3 * dim + 2] - Math.sin(3 / 10000 ** (2 / dim))) < 1e-7);
});

Deno.test("buildDistilBert runs in ORT with logits [batch, numLabels]", async () => {
  const config = { ...SMALL, numLabels: 3, id2label: { 0: "a", 1: "b", 2: "c" } };
  const model = buildDistilBert(config, { seed: 5 });
  const session = await ort.InferenceSession.create(encodeModel(model));
  const batch = 4, length = 12;
  const ids = BigInt64Array.from({ length: batch * length }, (_, i) => BigInt(1 + (i * 37) % 999));
  const mask = new BigInt64Array(batch * length).fill(1n);
  const out = await session.run({
    input_ids: new ort.Tensor("int64", ids, [batch, length]),
    attention_mask: new ort.Tensor("int64", mask, [batch, length]),
  });
  assert.deepEqual(out.logits.dims, [4, 3]);
  const logits = out.logits.data as Float32Array;
  assert.ok(logits.every(Number.isFinite));
  // Biases are 0 and weights ~0.02: the logits are small but not all equal.
  assert.ok(logits.every((v) => Math.abs(v) < 1));
  assert.ok(new Set(logits).size > 1);
  // Same seed, same model bytes.
  assert.deepEqual(encodeModel(buildDistilBert(config, { seed: 5 })), encodeModel(model));
});

Deno.test("full-size DistilBERT-base builds and encodes with the base model's parameter count", () => {
  // How long it takes is the bench's business (deno task bench), not a test's.
  const model = buildDistilBert(DISTILBERT_BASE, { seed: 0 });
  const bytes = encodeModel(model);
  const weights = model.graph.initializers.filter((t) => !t.name.startsWith("/"));
  const parameters = weights.reduce((n, t) => n + t.data.length, 0);
  assert.equal(parameters, 66_955_010); // distilbert-base-uncased + classification head
  assert.ok(bytes.byteLength > 4 * parameters && bytes.byteLength < 4 * parameters + 2_000_000);
});
