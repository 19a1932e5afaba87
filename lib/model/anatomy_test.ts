import assert from "node:assert/strict";
import { anatomyPartOf, distilbertAnatomy } from "./anatomy.ts";
import { DISTILBERT_BASE } from "./config.ts";
import { randomDistilBertWeights } from "./random.ts";

Deno.test("anatomy: every weight in one part, totals equal the weights' element count", () => {
  const config = { ...DISTILBERT_BASE, nLayers: 2, dim: 64, nHeads: 4, hiddenDim: 256 };
  const weights = randomDistilBertWeights(config, { seed: 1 });
  const total = [...weights.values()].reduce((n, t) => n + t.data.length, 0);
  const parts = distilbertAnatomy(config, { seqLen: 16 });
  assert.equal(parts.reduce((n, p) => n + p.parameters, 0), total);
  const ffn = parts.find((p) => p.part === "ffn")!;
  assert.equal(ffn.parameters, 2 * (64 * 256 + 256 + 256 * 64 + 64 + 2 * 64));
  assert.equal(ffn.flops, 2 * 2 * 2 * 16 * 64 * 256);
  assert.equal(anatomyPartOf("pre_classifier.weight"), "classifier");
});

Deno.test("anatomy of DistilBERT-base: embeddings hold a third of the weights, no FLOPs", () => {
  const parts = Object.fromEntries(distilbertAnatomy(DISTILBERT_BASE).map((p) => [p.part, p]));
  assert.equal(parts.embeddings.parameters, 30522 * 768 + 512 * 768 + 2 * 768);
  assert.equal(parts.embeddings.flops, 0);
  // FFN: 2·2·128·768·3072 per layer; attention: 4 linears + QKᵀ and softmax·V.
  assert.equal(parts.ffn.flops, 6 * 4 * 128 * 768 * 3072);
  assert.equal(parts.attention.flops, 6 * (8 * 128 * 768 * 768 + 4 * 128 * 128 * 768));
  assert.equal(parts.ffn.bytes, 4 * parts.ffn.parameters);
});
