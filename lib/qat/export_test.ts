import assert from "node:assert/strict";
import { join } from "node:path";
import { makeBatches, prepareMrpc } from "../data/mod.ts";
import { agreementWith, evaluateClassifier } from "../eval/mod.ts";
import {
  buildDistilBertGraph,
  parseDistilBertConfig,
  randomDistilBertWeights,
  readSafetensors,
} from "../model/mod.ts";
import { DataType, encodeModel, type Model } from "../onnx/mod.ts";
import { calibrate, computeQuantParams, quantizeStatic } from "../quant/mod.ts";
import { batchFeeds, createSession, syntheticBatch } from "../runtime/mod.ts";
import { evaluateTf, tf, TfDistilBert, train } from "../train/mod.ts";
import { syntheticExamples, TINY_CONFIG } from "../train/_test_support.ts";
import { mirrorRepoDir, mrpcTsvDir, STANDINS } from "../../tests/support/mirror.ts";
import { exportQatModel, siteRanges } from "./export.ts";
import { QatQuantizer } from "./quantizer.ts";
import { resolveQatScheme, staticOptionsOf } from "./scheme.ts";
import { embeddingNodes, graphSites } from "./sites.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
const weights = await readSafetensors(join(dir, "model.safetensors"));
const data = { modelId: STANDINS.mini, tokenizerDir: dir, dir: mrpcTsvDir(), progress: false };

async function ortLogits(model: Model, batches: Parameters<typeof evaluateClassifier>[1]) {
  const session = await createSession(encodeModel(model));
  try {
    return await evaluateClassifier(session, batches, { progress: false });
  } finally {
    await session.session.release();
  }
}

function scaleOf(model: Model, name: string): number {
  const t = model.graph.initializers.find((i) => i.name === name);
  assert.ok(t && t.dataType === DataType.FLOAT, `initializer ${name}`);
  return (t.data as Float32Array)[0];
}

extendedTest(
  "QAT export: PTQ's model at step 0; after training ORT runs the learned scales with the tfjs fake-quant model's accuracy",
  MIRROR,
  async () => {
    const scheme = resolveQatScheme();
    const graph = buildDistilBertGraph(config, weights);
    const sites = graphSites(graph);
    const train32 = await prepareMrpc("train", { ...data, batchSize: 8, limit: 96 });
    const validation = await prepareMrpc("validation", {
      ...data,
      batchSize: 32,
      sortByLength: true,
    });
    const calibration = await calibrate(graph, train32.batches.slice(0, 4), { progress: false });
    const ptq = quantizeStatic(graph, calibration, staticOptionsOf(scheme, []));

    const model = await TfDistilBert.fromWeights(config, weights);
    const qat = new QatQuantizer({ ...scheme, ranges: siteRanges(calibration.ranges, sites) });
    qat.attach(model);
    // Warm-started from the calibration, QAT begins exactly at post-training quantization.
    const atStart = exportQatModel(model, qat);
    assert.deepEqual(encodeModel(atStart.model), encodeModel(ptq.model));
    assert.deepEqual(atStart.report.counts, { quantized: 26, fp32: 8 }); // 26 Linears; 8 attention

    const run = await train(
      model,
      { encoded: train32.encoded, labels: train32.rows.map((r) => r.label) },
      {
        batchSize: 16,
        maxSteps: 6,
        learningRate: 1e-4,
        warmupSteps: 1,
        seed: 3,
        progress: false,
        log: false,
        handleSigint: false,
      },
    );
    assert.equal(run.steps, 6);
    const lin1 = "distilbert.transformer.layer.2.ffn.lin1";
    assert.equal(qat.observer(lin1)!.updates, 6);
    const learned = qat.observer(lin1)!.range!;
    assert.notDeepEqual(learned, calibration.ranges[sites.tensors.get(lin1)!], "ranges moved");

    const exported = exportQatModel(model, qat);
    assert.deepEqual(exported.report.counts, { quantized: 26, fp32: 8 });
    // The QDQ model's activation scale is the one learned in training, its weights the trained ones.
    const tensor = sites.tensors.get(lin1)!;
    assert.equal(
      scaleOf(exported.model, `${tensor}_scale`),
      computeQuantParams({ ...learned, type: "uint8" }).scale[0],
    );
    assert.notDeepEqual(model.toWeightMap().get(`${lin1}.weight`), weights.get(`${lin1}.weight`));

    const tfjs = await evaluateTf(model, validation.batches);
    const ort = await ortLogits(exported.model, validation.batches);
    const agreement = agreementWith({ logits: ort.logits, reference: tfjs.logits, numLabels: 2 });
    const gap = Math.abs(ort.metrics.accuracy - tfjs.metrics.accuracy);
    console.log(
      `QAT export on ${validation.rows.length} MRPC validation rows: tfjs fake-quant accuracy ` +
        `${tfjs.metrics.accuracy.toFixed(4)}, ORT QDQ ${ort.metrics.accuracy.toFixed(4)}, ` +
        `agreement ${agreement.agreement.toFixed(4)}, max |Δlogit| ` +
        `${agreement.maxAbsLogitError.toExponential(2)}, mean ${
          agreement.meanAbsLogitError.toExponential(2)
        }`,
    );
    assert.equal(ort.metrics.count, 408);
    assert.ok(gap <= 0.005, `accuracy gap ${gap}`);
    assert.ok(agreement.agreement >= 0.99, `agreement ${agreement.agreement}`);
    // Float32 sums in tfjs vs ORT differ by ~1e-6 and can move a value across a rounding boundary
    // of the next quantizer: one step of an activation scale, so small but not zero.
    assert.ok(agreement.meanAbsLogitError < 2e-3, `mean |Δlogit| ${agreement.meanAbsLogitError}`);
    assert.ok(agreement.maxAbsLogitError < 0.05, `max |Δlogit| ${agreement.maxAbsLogitError}`);
    model.dispose();
  },
);

Deno.test("QAT export with quantized attention: ORT's QDQ model computes the tfjs fake-quant logits", async () => {
  const tiny = { ...config, vocabSize: 1200, dim: 32, nLayers: 2, nHeads: 4, hiddenDim: 64 };
  const model = await TfDistilBert.fromWeights(
    tiny,
    randomDistilBertWeights(tiny, { seed: 8, std: 0.3 }),
  );
  const batches = syntheticBatch({ size: 6, seqLen: 12, vocabSize: 1200, seed: 2 });
  const qat = new QatQuantizer({ quantizeAttention: true, activationType: "int8" });
  qat.attach(model);
  tf.tidy(() => model.forward(batches, { training: true, dropoutSeed: 1 }).logits);
  const { model: qdq, report } = exportQatModel(model, qat);
  // 14 Linears and the 4 attention products, with int8 activations.
  assert.deepEqual(report.counts, { quantized: 18, fp32: 0 });
  assert.equal(
    qdq.graph.initializers.filter((t) =>
      t.name.endsWith("_zero_point") && t.dataType === DataType.UINT8
    )
      .length,
    0,
  );
  const ours = model.predict(batches);
  const session = await createSession(encodeModel(qdq));
  const out = await session.session.run(
    batchFeeds({ batch: batches, inputNames: session.inputNames }),
  );
  const theirs = out.logits.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
  console.log(
    `quantized attention, int8 activations: max |tfjs − ORT| = ${worst.toExponential(2)}`,
  );
  assert.ok(worst < 1e-3, `max |tfjs − ORT| = ${worst}`);
  await session.session.release();
  model.dispose();
});

extendedTest(
  "QAT export with quantized embeddings: both tables int8 in ORT, logits match the tfjs fake-quant model",
  MIRROR,
  async () => {
    const model = await TfDistilBert.fromWeights(
      TINY_CONFIG,
      randomDistilBertWeights(TINY_CONFIG, { seed: 5, std: 0.3 }),
    );
    const examples = syntheticExamples(12, 4);
    const batches = makeBatches(examples.encoded, examples.labels, { batchSize: 6 });
    const qat = new QatQuantizer({ quantizeEmbeddings: true });
    qat.attach(model);
    for (const [i, batch] of batches.entries()) {
      tf.tidy(() => model.forward(batch, { training: true, dropoutSeed: i }).logits);
    }
    const { model: qdq, fp32, report } = exportQatModel(model, qat);
    // 8 Linears; the word and position Gathers (the Shape and [CLS] Gathers read no table).
    assert.deepEqual(report.byOpType.MatMul, { quantized: 8, fp32: 2 });
    assert.deepEqual(report.byOpType.Gather, { quantized: 2, fp32: 2 });
    for (const [table, node] of embeddingNodes(fp32)) {
      const gather = qdq.graph.nodes.find((n) => n.name === `${node}_quantized`);
      const data = qdq.graph.initializers.find((t) => t.name === gather?.inputs[0]);
      assert.equal(data?.dataType, DataType.INT8, `${table} is read as int8`);
    }
    // The same ranges without the embeddings: another model, so the tables matter.
    const floatTables = exportQatModel(model, new QatQuantizer({ ranges: qat.ranges() })).model;

    const session = await createSession(encodeModel(qdq));
    const other = await createSession(encodeModel(floatTables));
    let worst = 0;
    let moved = 0;
    for (const batch of batches) {
      const ours = model.predict(batch);
      const feeds = batchFeeds({ batch, inputNames: session.inputNames });
      const theirs = (await session.session.run(feeds)).logits.data as Float32Array;
      const without = (await other.session.run(feeds)).logits.data as Float32Array;
      for (let i = 0; i < ours.length; i++) {
        worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
        moved = Math.max(moved, Math.abs(without[i] - theirs[i]));
      }
    }
    console.log(
      `quantized embeddings: max |tfjs − ORT| = ${worst.toExponential(2)}; the int8 tables ` +
        `move logits by up to ${moved.toExponential(2)}`,
    );
    assert.ok(worst < 1e-3, `max |tfjs − ORT| = ${worst}`);
    assert.ok(moved > 10 * worst, `the tables change the logits (${moved})`);
    await session.session.release();
    await other.session.release();
    model.dispose();
  },
);
