/**
 * The kit's registries are open from outside `lib/`: a fusion pass (`extensions/
 * input_scale_pass.ts`) and an op quantizer (`extensions/relu_quantizer.ts`) are each one file
 * plus one registration here, and run on a real model.
 */
import assert from "node:assert/strict";
import {
  compareModels,
  DEFAULT_PASSES,
  fuse,
  passNames,
  randomFeeds,
  registerPass,
  unregisterPass,
} from "../lib/fuse/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../lib/model/mod.ts";
import { findLinears, graphStats } from "../lib/onnx/mod.ts";
import {
  calibrate,
  calibrationTargets,
  DEFAULT_OP_TYPES,
  quantizeStatic,
  registerOpQuantizer,
  resolveQuantOptions,
  unregisterOpQuantizer,
} from "../lib/quant/mod.ts";
import { inputScale } from "./extensions/input_scale_pass.ts";
import { reluQuantizer } from "./extensions/relu_quantizer.ts";

const CONFIG = {
  ...DISTILBERT_BASE,
  vocabSize: 500,
  dim: 32,
  nLayers: 2,
  nHeads: 4,
  hiddenDim: 64,
  maxPositionEmbeddings: 32,
};
const LIN1 = "distilbert.transformer.layer.0.ffn.lin1";

Deno.test("a fusion pass registered from outside lib/ runs by name with options, not by default", async () => {
  const model = buildDistilBert(CONFIG, { seed: 5 });
  registerPass(inputScale);
  try {
    assert.equal(passNames().at(-1), "input-scale");
    assert.equal(DEFAULT_PASSES.includes("input-scale"), false);
    assert.equal(fuse(model).report.matchCounts()["input-scale"], undefined);

    // powers of two: x / s and W·s are exact, so the outputs must be bit for bit the same
    const scales = {
      [LIN1]: Float32Array.from({ length: CONFIG.dim }, (_, k) => 2 ** ((k % 5) - 2)),
    };
    const { model: scaled, report } = fuse(model, {
      passes: [{ pass: "input-scale", options: { scales } }, "layer-norm"],
    });
    assert.deepEqual(report.passes.map((p) => p.pass), ["layer-norm", "input-scale"]);
    assert.equal(report.matchCounts()["input-scale"], 1);
    const before = graphStats(fuse(model, { passes: ["layer-norm"] }).model.graph).opCounts;
    assert.equal(graphStats(scaled.graph).opCounts.Mul, (before.Mul ?? 0) + 1);
    const w0 = findLinears(model.graph).find((l) => l.name === LIN1)!.weight;
    const w1 = findLinears(scaled.graph).find((l) => l.name === LIN1)!.weight;
    const cols = w0.dims[1];
    assert.equal(w1.data[0], Number(w0.data[0]) * 0.25);
    assert.equal(w1.data[2 * cols + 3], Number(w0.data[2 * cols + 3]) * 1);
    assert.equal(w1.data[4 * cols + 1], Number(w0.data[4 * cols + 1]) * 4);
    const same = await compareModels(model, scaled, { batch: 2, seq: 12, probes: "none" });
    assert.equal(same.ok, true);
    assert.ok(same.maxAbsDiff <= 1e-6, `max |diff| ${same.maxAbsDiff}`);

    // without dividing the input, the scaled weight alone changes the outputs
    const weightOnly = {
      ...scaled,
      graph: {
        ...scaled.graph,
        initializers: scaled.graph.initializers.map((t) =>
          t.name === `${LIN1}.input_scale`
            ? { ...t, data: new Float32Array(CONFIG.dim).fill(1) }
            : t
        ),
      },
    };
    assert.deepEqual(model.graph.nodes, buildDistilBert(CONFIG, { seed: 5 }).graph.nodes); // input kept
    const changed = await compareModels(model, weightOnly, { batch: 2, seq: 12, probes: "none" });
    assert.equal(changed.ok, false);
  } finally {
    unregisterPass("input-scale");
  }
  assert.equal(passNames().includes("input-scale"), false);
});

Deno.test("an op quantizer registered from outside lib/ is calibrated and quantizes its op", async () => {
  const model = buildDistilBert(CONFIG, { seed: 5 });
  registerOpQuantizer(reluQuantizer);
  try {
    const relu = model.graph.nodes.find((n) => n.opType === "Relu")!;
    const options = resolveQuantOptions("static", { opTypes: ["Relu"] });
    assert.deepEqual(calibrationTargets(model, options), [relu.inputs[0]]);
    assert.equal(DEFAULT_OP_TYPES.includes("Relu"), false);

    const feeds = randomFeeds(model, { batch: 4, seq: 12, seed: 2 });
    const calibration = await calibrate(model, [feeds], { opTypes: ["Relu"], progress: false });
    const range = calibration.ranges[relu.inputs[0]];
    assert.ok(range.max > 0 && range.min < 0, JSON.stringify(range));

    const { model: quantized, report } = quantizeStatic(model, calibration, { opTypes: ["Relu"] });
    assert.deepEqual(report.nodes.map((n) => [n.node, n.quantized]), [[relu.name, true]]);
    const ops = graphStats(quantized.graph).opCounts;
    assert.equal(ops.QuantizeLinear, 1);
    assert.equal(ops.DequantizeLinear, 1);
    const newRelu = quantized.graph.nodes.find((n) => n.opType === "Relu")!;
    assert.match(newRelu.inputs[0], /_dequantized/);

    // Relu is 1-Lipschitz and the calibration covered these inputs (no clipping): each logit
    // moves by at most scale/2 · Σ_k |W_classifier[k, j]|.
    const scale = quantized.graph.initializers.find((t) => t.name.endsWith("_scale"))!.data[0];
    const classifier = findLinears(model.graph).find((l) => l.name === "classifier")!;
    const [rows, cols] = classifier.weight.dims;
    const w = classifier.weight.data as Float32Array;
    let bound = 0;
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let k = 0; k < rows; k++) sum += Math.abs(w[k * cols + j]);
      bound = Math.max(bound, (Number(scale) / 2) * sum);
    }
    const diff = await compareModels(model, quantized, { feeds, probes: "none" });
    assert.ok(diff.maxAbsDiff > 0, "quantization changed nothing");
    assert.ok(diff.maxAbsDiff <= bound * 1.001 + 1e-6, `${diff.maxAbsDiff} > ${bound}`);
  } finally {
    unregisterOpQuantizer("Relu");
  }
});
