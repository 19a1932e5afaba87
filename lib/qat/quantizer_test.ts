import assert from "node:assert/strict";
import { randomDistilBertWeights, type WeightMap } from "../model/mod.ts";
import { DataType, type Model } from "../onnx/mod.ts";
import { dequantizeLinear } from "../quant/mod.ts";
import { type ModelInputs, tf, TfDistilBert } from "../train/mod.ts";
import { TINY_CONFIG } from "../train/_test_support.ts";
import { exportQatModel } from "./export.ts";
import {
  embeddingQuantParams,
  fakeQuantize,
  fakeQuantizeBias,
  weightQuantParams,
} from "./fake_quant.ts";
import { FAKE_QUANT_KERNEL } from "./fake_quant_kernel.ts";
import { QatQuantizer } from "./quantizer.ts";
import { embeddingNodes } from "./sites.ts";

const WORDS = "distilbert.embeddings.word_embeddings";
const POSITIONS = "distilbert.embeddings.position_embeddings";
const { vocabSize, maxPositionEmbeddings: maxPositions, dim } = TINY_CONFIG;

/** Random weights whose tables have an outlier hidden unit and an all-zero one. */
function tinyWeights(seed: number): WeightMap {
  const weights = randomDistilBertWeights(TINY_CONFIG, { seed, std: 0.3 });
  for (const table of [WORDS, POSITIONS]) {
    const { data } = weights.get(`${table}.weight`)!;
    for (let i = 0; i < data.length; i += dim) {
      data[i + 2] *= 8;
      data[i + 5] = 0;
    }
  }
  return weights;
}

/** Two full-length rows that read every word and every position. */
const everyRow: ModelInputs = {
  size: 2,
  seqLen: maxPositions,
  inputIds: Array.from({ length: 2 * maxPositions }, (_, i) => i % vocabSize),
  attentionMask: Array.from({ length: 2 * maxPositions }, () => 1),
};

/** The table a QDQ model's `Gather → DequantizeLinear` reads, dequantized with lib/quant. */
function dequantizedTable(qdq: Model, fp32: Model, table: string): Float32Array {
  const gather = embeddingNodes(fp32).get(table)!;
  const byName = (name: string) => qdq.graph.nodes.find((n) => n.name === name)!;
  const init = (name: string) => qdq.graph.initializers.find((t) => t.name === name)!;
  const data = init(byName(`${gather}_quantized`).inputs[0]);
  const [, scale, zeroPoint] = byName(`${gather}_DequantizeLinear`).inputs;
  assert.equal(data.dataType, DataType.INT8);
  return dequantizeLinear({
    x: data.data as Int8Array,
    dims: data.dims,
    scale: init(scale).data as Float32Array,
    zeroPoint: init(zeroPoint).data as Int8Array,
    axis: 1,
  });
}

function assertSameFloats(actual: Float32Array, expected: Float32Array, what: string) {
  assert.equal(actual.length, expected.length, what);
  const differ = actual.findIndex((v, i) => !Object.is(v + 0, expected[i] + 0));
  assert.equal(differ, -1, `${what}: first difference at ${differ}`);
}

Deno.test("quantizeEmbeddings: the fake-quantized tables equal the exported model's int8 tables, dequantized, bit for bit", async () => {
  const model = await TfDistilBert.fromWeights(TINY_CONFIG, tinyWeights(1));
  // An outer hook records what the lookups return with the quantizer attached inside it (so
  // this also checks that `attach` chains embedding hooks).
  const seen = new Map<string, Float32Array>();
  model.hooks = {
    embedding: (call, next) => {
      const rows = next(call);
      seen.set(call.name, rows.dataSync() as Float32Array);
      return rows;
    },
  };
  const qat = new QatQuantizer({ quantizeEmbeddings: true });
  qat.attach(model);
  tf.tidy(() => model.forward(everyRow, { training: true }).logits);
  const { model: qdq, fp32, report } = exportQatModel(model, qat);
  assert.deepEqual(report.byOpType.Gather, { quantized: 2, fp32: 2 }); // + Shape and [CLS] Gathers

  const float = model.toWeightMap();
  for (const [table, rows] of [[WORDS, vocabSize], [POSITIONS, maxPositions]] as const) {
    const expected = dequantizedTable(qdq, fp32, table);
    const tfjs = seen.get(table)!.subarray(0, rows * dim);
    assertSameFloats(tfjs, expected, table);
    const original = float.get(`${table}.weight`)!.data;
    assert.notDeepEqual(tfjs, original, `${table} is quantized`);
    // Column 5 is all zeros (scale 1, as ONNX Runtime's tool gives) and stays zero.
    for (let r = 0; r < rows; r++) assert.equal(tfjs[r * dim + 5], 0);
  }
  model.dispose();
});

Deno.test("quantizeEmbeddings: gradients are straight-through, the same as quantizing the whole table first", async () => {
  const weights = tinyWeights(2);
  const inputs: ModelInputs = {
    size: 3,
    seqLen: 7,
    inputIds: [2, 9, 14, 7, 3, 0, 0, 2, 21, 9, 9, 11, 28, 3, 2, 5, 3, 0, 0, 0, 0],
    attentionMask: [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
  };
  /** Logits and gradients w.r.t. both tables of one training pass. */
  const run = (model: TfDistilBert) =>
    tf.tidy(() => {
      const tables = [WORDS, POSITIONS].map((t) => model.variable(`${t}.weight`));
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forward(inputs, { training: true, dropoutSeed: 3 }).logits;
        return tf.sum(tf.mul(logits, tf.tensor2d([[1, -2], [0.5, 3], [-1, 1]])));
      }, tables);
      return [value.dataSync(), ...tables.map((t) => grads[t.name].dataSync())];
    });

  // No ranges and no observing: every Linear stays float, only the tables are quantized.
  const qat = new QatQuantizer({ quantizeEmbeddings: true });
  qat.observing = false;
  const range = { reduceRange: qat.scheme.reduceRange };
  const rowsFirst = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
  qat.attach(rowsFirst);
  const tableFirst = await TfDistilBert.fromWeights(TINY_CONFIG, weights, {
    hooks: {
      embedding: (call, next) =>
        next({ ...call, table: fakeQuantize(call.table, embeddingQuantParams(call.table, range)) }),
    },
  });
  // Straight-through: the gradient of the float model evaluated at the quantized tables.
  const quantized = new Map(weights);
  for (const t of [WORDS, POSITIONS]) {
    const w = weights.get(`${t}.weight`)!;
    const data = tf.tidy(() => {
      const table = tf.tensor2d(w.data, w.shape as [number, number]);
      return fakeQuantize(table, embeddingQuantParams(table, range)).dataSync() as Float32Array;
    });
    quantized.set(`${t}.weight`, { shape: w.shape, data });
  }
  const atQuantized = await TfDistilBert.fromWeights(TINY_CONFIG, quantized);
  const float = await TfDistilBert.fromWeights(TINY_CONFIG, weights);

  const expected = run(atQuantized);
  assert.deepEqual(run(rowsFirst), expected);
  assert.deepEqual(run(tableFirst), expected);
  assert.notDeepEqual(run(float)[0], expected[0], "the quantization changes the loss");
  // Off by default, and with `enabled` false, the tables stay float.
  const plain = new QatQuantizer();
  plain.observing = false;
  const off = await TfDistilBert.fromWeights(TINY_CONFIG, weights, { hooks: plain.hooks });
  assert.deepEqual(run(off), run(float));
  qat.enabled = false;
  assert.deepEqual(run(rowsFirst), run(float));
  for (const m of [rowsFirst, tableFirst, atQuantized, float, off]) m.dispose();
});

Deno.test("q, k and v share one fake-quantized input: the same logits and gradients, one kernel call instead of three", async () => {
  const weights = tinyWeights(4);
  const inputs: ModelInputs = {
    size: 2,
    seqLen: 6,
    inputIds: [2, 9, 14, 7, 3, 0, 2, 21, 9, 11, 28, 3],
    attentionMask: [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
  };
  const qat = new QatQuantizer();
  const shared = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
  qat.attach(shared);
  tf.tidy(() => shared.forward(inputs, { training: true }).logits); // observes every site once
  qat.observing = false;
  const q = "distilbert.transformer.layer.0.attention.q_lin";
  assert.deepEqual(qat.activationParams(q), qat.activationParams(q.replace("q_lin", "v_lin")));
  // The reference quantizes each Linear's input on its own, with the quantizer's parameters.
  const reduceRange = qat.scheme.reduceRange;
  const separate = await TfDistilBert.fromWeights(TINY_CONFIG, weights, {
    hooks: {
      linear: (call, next) => {
        const p = qat.activationParams(call.name)!;
        const w = weightQuantParams(call.weight, { reduceRange });
        return next({
          ...call,
          x: fakeQuantize(call.x, p),
          weight: fakeQuantize(call.weight, w),
          bias: fakeQuantizeBias(call.bias, p.scale[0], w.scale),
        });
      },
    },
  });
  const names = [...weights.keys()].filter((n) => !n.includes("embeddings"));
  const run = (model: TfDistilBert) =>
    tf.tidy(() => {
      const variables = names.map((n) => model.variable(n));
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.forward(inputs, { training: true, dropoutSeed: 5 }).logits;
        return tf.sum(tf.mul(logits, tf.tensor2d([[1, -2], [0.5, 3]])));
      }, variables);
      return [value.dataSync(), ...variables.map((v) => grads[v.name].dataSync())];
    });
  assert.deepEqual(run(shared), run(separate));
  const calls = async (model: TfDistilBert) =>
    (await tf.profile(() => tf.tidy(() => model.forward(inputs, { training: true }).logits)))
      .kernels.filter((k) => k.name === FAKE_QUANT_KERNEL).length;
  // Per layer 6 weights and 6 inputs (q, k, v, out, lin1, lin2), plus the classifier head's 2 + 2.
  assert.equal(await calls(separate), 6 + 6 + 4);
  assert.equal(await calls(shared), 6 + 4 + 4);
  shared.dispose();
  separate.dispose();
});
