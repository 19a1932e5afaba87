import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { DataType, encodeModel, GraphIndex, graphStats, type Model } from "../onnx/mod.ts";
import { DISTILBERT_BASE, type DistilBertConfig, parseDistilBertConfig } from "./config.ts";
import {
  buildDistilBertGraph,
  DistilBertGraphError,
  distilBertWeightsFromGraph,
  distilBertWeightShapes,
} from "./distilbert_graph.ts";
import { randomDistilBertWeights } from "./random.ts";
import { readSafetensors } from "./safetensors.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const HUB = Deno.env.get("HUB_MIRROR_DIR") ??
  fileURLToPath(new URL("../../../shared/hub", import.meta.url));
const MINI = join(HUB, "standin/distilbert-mini-uncased-mrpc/resolve/main");

interface Reference {
  pairs: { input_ids: number[]; logits: number[] }[];
}

const SMALL: DistilBertConfig = {
  ...DISTILBERT_BASE,
  vocabSize: 100,
  dim: 16,
  nLayers: 2,
  nHeads: 4,
  hiddenDim: 32,
  maxPositionEmbeddings: 32,
};

async function loadMini() {
  const config = parseDistilBertConfig(
    await Deno.readTextFile(join(MINI, "config.json")),
    join(MINI, "config.json"),
  );
  const weights = await readSafetensors(join(MINI, "model.safetensors"));
  const reference: Reference = JSON.parse(
    await Deno.readTextFile(join(MINI, "reference_logits.json")),
  );
  return { config, weights, reference };
}

/** Logits for `sequences`, run in batches of `batch` with right padding and an attention mask. */
async function logitsOf(
  session: ort.InferenceSession,
  sequences: number[][],
  batch = 8,
): Promise<number[][]> {
  const out: number[][] = [];
  for (let start = 0; start < sequences.length; start += batch) {
    const group = sequences.slice(start, start + batch);
    const length = Math.max(...group.map((s) => s.length));
    const ids = new BigInt64Array(group.length * length);
    const mask = new BigInt64Array(group.length * length);
    group.forEach((seq, r) =>
      seq.forEach((id, c) => {
        ids[r * length + c] = BigInt(id);
        mask[r * length + c] = 1n;
      })
    );
    const dims = [group.length, length];
    const result = await session.run({
      input_ids: new ort.Tensor("int64", ids, dims),
      attention_mask: new ort.Tensor("int64", mask, dims),
    });
    const logits = result.logits;
    const labels = logits.dims[1];
    assert.deepEqual(logits.dims, [group.length, labels]);
    const data = logits.data as Float32Array;
    for (let r = 0; r < group.length; r++) {
      out.push(Array.from(data.subarray(r * labels, (r + 1) * labels)));
    }
  }
  return out;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((row, i) => {
    assert.equal(row.length, b[i].length);
    row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j]))));
  });
  return worst;
}

function session(model: Model, options: ort.InferenceSession.SessionOptions = {}) {
  return ort.InferenceSession.create(encodeModel(model), options);
}

extendedTest(
  "the built graph reproduces PyTorch's and the torch export's logits (mini stand-in)",
  MIRROR,
  async () => {
    const { config, weights, reference } = await loadMini();
    const sequences = reference.pairs.map((p) => p.input_ids);
    const expected = reference.pairs.map((p) => p.logits);
    assert.equal(sequences.length, 32);
    const exported = await logitsOf(
      await ort.InferenceSession.create(join(MINI, "onnx/model.onnx")),
      sequences,
    );
    const variants: [
      string,
      Parameters<typeof buildDistilBertGraph>[2],
      ort.InferenceSession.SessionOptions,
    ][] = [
      ["opset 17, decomposed, no ORT optimizations", {}, { graphOptimizationLevel: "disabled" }],
      ["opset 17, LayerNormalization", { layerNorm: "fused" }, {}],
      ["opset 14", { opset: 14 }, {}],
      ["opset 18 (ReduceMean axes as input)", { opset: 18 }, {}],
    ];
    for (const [label, options, sessionOptions] of variants) {
      const model = buildDistilBertGraph(config, weights, options);
      const got = await logitsOf(await session(model, sessionOptions), sequences);
      const vsTorch = maxAbsDiff(got, expected);
      const vsExport = maxAbsDiff(got, exported);
      assert.ok(vsTorch < 1e-4, `${label}: max |Δ| vs PyTorch ${vsTorch}`);
      assert.ok(vsExport < 1e-4, `${label}: max |Δ| vs torch export in ORT ${vsExport}`);
    }
    // The predictions are not all one class, so the comparison is not trivially satisfied.
    const argmax = expected.map((l) => (l[1] > l[0] ? 1 : 0));
    assert.ok(argmax.some((c) => c === 0) && argmax.some((c) => c === 1));
  },
);

extendedTest(
  "graph structure: names, MatMul with constant [in, out] weights, op counts",
  MIRROR,
  async () => {
    const { config, weights } = await loadMini();
    const model = buildDistilBertGraph(config, weights);
    const { graph } = model;
    assert.deepEqual(model.opsetImports, [{ domain: "", version: 17 }]);
    assert.deepEqual(graph.inputs, [
      { name: "input_ids", elemType: DataType.INT64, shape: ["batch", "sequence"] },
      { name: "attention_mask", elemType: DataType.INT64, shape: ["batch", "sequence"] },
    ]);
    assert.deepEqual(graph.outputs, [
      { name: "logits", elemType: DataType.FLOAT, shape: ["batch", 2] },
    ]);
    assert.equal(JSON.parse(model.metadata.config).dim, 256);
    const index = new GraphIndex(graph);
    const q = graph.nodes.find((n) =>
      n.name === "/distilbert/transformer/layer.0/attention/q_lin/MatMul"
    )!;
    const wT = index.constant(q.inputs[1])!;
    assert.equal(wT.name, "distilbert.transformer.layer.0.attention.q_lin.weight");
    const w = weights.get("distilbert.transformer.layer.0.attention.q_lin.weight")!;
    // Transposed: element [in=3, out=5] is PyTorch's [out=5, in=3].
    assert.equal(wT.data[3 * 256 + 5], w.data[5 * 256 + 3]);
    const lin1 = index.constant(
      graph.nodes.find((n) => n.name === "/distilbert/transformer/layer.3/ffn/lin1/MatMul")!
        .inputs[1],
    )!;
    assert.deepEqual(lin1.dims, [256, 1024]);
    // Every MatMul either multiplies by a constant weight or is one of the 2 attention products.
    const matmuls = graph.nodes.filter((n) => n.opType === "MatMul");
    const withWeight = matmuls.filter((n) => index.constant(n.inputs[1]));
    assert.equal(withWeight.length, 4 * 6 + 2);
    assert.equal(matmuls.length - withWeight.length, 4 * 2);
    const stats = graphStats(graph);
    assert.equal(stats.opCounts.LayerNormalization, undefined);
    assert.equal(stats.opCounts.ReduceMean, 2 * (1 + 2 * 4));
    assert.equal(stats.opCounts.Erf, 4);
    assert.equal(stats.opCounts.Softmax, 4);
    assert.equal(stats.opCounts.Gemm, undefined);
    // Same parameter count as the checkpoint.
    const params = [...weights.values()].reduce((n, t) => n + t.data.length, 0);
    const constants = graph.initializers.filter((t) =>
      t.dims.length === 0 || t.name.startsWith("/")
    );
    const constantElements = constants.reduce((n, t) => n + t.data.length, 0);
    assert.equal(stats.parameters - constantElements, params);
    assert.equal(graph.initializers.length - constants.length, weights.size);
    // Names read like the torch export's.
    for (
      const name of [
        "/distilbert/embeddings/word_embeddings/Gather",
        "/distilbert/embeddings/LayerNorm/ReduceMean",
        "/distilbert/transformer/layer.0/attention/Softmax",
        "/distilbert/transformer/layer.0/sa_layer_norm/Sqrt",
        "/distilbert/transformer/layer.0/ffn/activation/Erf",
        "/distilbert/transformer/layer.3/output_layer_norm/Add_1",
        "/pre_classifier/MatMul",
        "/Gather",
        "/Relu",
        "/classifier/Add",
      ]
    ) {
      assert.ok(graph.nodes.some((n) => n.name === name), name);
    }
    assert.deepEqual(distilBertWeightsFromGraph(model, config), weights);
  },
);

Deno.test("padding does not change logits; relu activation and 3 labels run", async () => {
  const config = {
    ...SMALL,
    activation: "relu",
    numLabels: 3,
    id2label: { 0: "a", 1: "b", 2: "c" },
  };
  const model = buildDistilBertGraph(
    config,
    randomDistilBertWeights(config, { seed: 3, std: 0.5 }),
  );
  assert.equal(graphStats(model.graph).opCounts.Relu, 2 + 1);
  assert.equal(graphStats(model.graph).opCounts.Erf, undefined);
  const s = await session(model);
  const sequences = [[1, 5, 9, 2], [1, 7, 2], [1, 8, 8, 8, 8, 8, 8, 2]];
  const batched = await logitsOf(s, sequences, 3);
  const alone = await logitsOf(s, sequences, 1);
  assert.equal(batched[0].length, 3);
  assert.ok(
    maxAbsDiff(batched, alone) < 1e-5,
    `padding changed logits by ${maxAbsDiff(batched, alone)}`,
  );
  // With std 0.5 the sequences really get different logits.
  assert.ok(maxAbsDiff([alone[0]], [alone[1]]) > 1e-3);
});

Deno.test("missing or mis-shaped weights and bad options are named", () => {
  const weights = randomDistilBertWeights(SMALL, { seed: 1 });
  const missing = new Map(weights);
  missing.delete("distilbert.transformer.layer.1.ffn.lin2.bias");
  assert.throws(() => buildDistilBertGraph(SMALL, missing), (error: Error) => {
    assert.ok(error instanceof DistilBertGraphError);
    assert.match(
      error.message,
      /"distilbert\.transformer\.layer\.1\.ffn\.lin2\.bias" \(shape \[16\]\) is missing/,
    );
    return true;
  });
  assert.throws(
    () => buildDistilBertGraph({ ...SMALL, numLabels: 3 }, weights),
    /"classifier\.weight" has shape \[2,16\] but the config needs \[3,16\]/,
  );
  assert.throws(
    () => buildDistilBertGraph(SMALL, weights, { opset: 12 }),
    /Opset 12 is not supported/,
  );
  assert.throws(
    () => buildDistilBertGraph(SMALL, weights, { opset: 14, layerNorm: "fused" }),
    /needs LayerNormalization \(opset 17\+\)/,
  );
  assert.throws(
    () => buildDistilBertGraph({ ...SMALL, activation: "swish" }, weights),
    /activation "swish" is not supported/,
  );
  assert.equal(distilBertWeightShapes(SMALL).size, weights.size);
});
