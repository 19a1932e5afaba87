/**
 * The measurements strategies run before their trials (mse's op output errors, hawq_v2's Hessian
 * traces) stop when the tuner's time budget ends, instead of overrunning it by a minute at
 * DistilBERT-base size.
 */
import assert from "node:assert/strict";
import { buildDistilBert, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
import { quantizedNodes, quantizeDynamic } from "../quant/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";
import { hessianTraces } from "./hessian_trace.ts";
import { opOutputErrors } from "./op_output_error.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 1100,
  dim: 16,
  nLayers: 1,
  nHeads: 2,
  hiddenDim: 32,
  maxPositionEmbeddings: 32,
};

Deno.test("opOutputErrors measures the nodes before stop() turns true, and no more", async () => {
  const model = buildDistilBert(config, { seed: 0, std: 0.1 });
  const nodes = quantizedNodes(quantizeDynamic(model).report).filter((n) => n.endsWith("MatMul"));
  assert.ok(nodes.length >= 4);
  let quantized = 0;
  const options = {
    fp32: model,
    nodes,
    inputs: [syntheticBatch({ size: 2, seqLen: 8, vocabSize: 1100, seed: 1 })],
    quantizeOnly: (node: string) => {
      quantized++;
      return quantizeDynamic(model, { includeNodes: [node] }).model;
    },
  };
  const all = await opOutputErrors(options);
  assert.equal(all.size, nodes.length);
  quantized = 0;
  const partial = await opOutputErrors({ ...options, stop: () => quantized >= 2 });
  assert.deepEqual([...partial.keys()], [...all.keys()].slice(0, 2));
  assert.deepEqual([...partial.values()], [...all.values()].slice(0, 2));
  assert.equal(quantized, 2);
});

Deno.test("hessianTraces stops between samples with the estimate of the samples done", async () => {
  const small = { ...config, vocabSize: 30, dim: 8, hiddenDim: 16, maxPositionEmbeddings: 8 };
  const weights = randomDistilBertWeights(small, { seed: 1 });
  const batch = {
    size: 2,
    seqLen: 4,
    inputIds: [2, 5, 7, 3, 2, 9, 3, 0],
    attentionMask: [1, 1, 1, 1, 1, 1, 1, 0],
    labels: [0, 1],
  };
  const names = ["classifier.weight"];
  const base = { config: small, weights, names, batches: [batch, batch], samples: 2, seed: 3 };
  const none = await hessianTraces({ ...base, stop: () => true });
  assert.equal(none.get("classifier.weight"), 0);
  let checks = 0;
  const one = await hessianTraces({ ...base, stop: () => ++checks > 1 });
  const first = await hessianTraces({ ...base, batches: [batch], samples: 1 });
  assert.equal(checks, 2);
  assert.equal(one.get("classifier.weight"), first.get("classifier.weight"));
  assert.ok(first.get("classifier.weight")! > 0);
});
