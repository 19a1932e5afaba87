import assert from "node:assert/strict";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { encodeModel, getAttribute, GraphIndex, type Model, readModel } from "../onnx/mod.ts";
import type { GraphOptimizationLevel } from "../runtime/mod.ts";
import { argmaxRows } from "../eval/mod.ts";
import { mirrorRepoDir, referencePairs, STANDINS } from "../../tests/support/mirror.ts";
import { convertToMixedPrecision } from "./convert.ts";
import { ortExecutedPrecision } from "./executed.ts";
import type { PrecisionTarget } from "./options.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const LEVELS: GraphOptimizationLevel[] = ["disabled", "basic", "extended", "all"];

interface Batch {
  ids: BigInt64Array;
  mask: BigInt64Array;
  rows: number;
  cols: number;
}

function padBatch(sequences: number[][]): Batch {
  const rows = sequences.length;
  const cols = Math.max(...sequences.map((s) => s.length));
  const ids = new BigInt64Array(rows * cols);
  const mask = new BigInt64Array(rows * cols);
  sequences.forEach((s, r) =>
    s.forEach((id, c) => {
      ids[r * cols + c] = BigInt(id);
      mask[r * cols + c] = 1n;
    })
  );
  return { ids, mask, rows, cols };
}

async function logits(model: Model, batch: Batch, level: GraphOptimizationLevel) {
  const session = await ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ["cpu"],
    graphOptimizationLevel: level,
    intraOpNumThreads: 2,
  });
  try {
    const dims = [batch.rows, batch.cols];
    const out = await session.run({
      input_ids: new ort.Tensor("int64", batch.ids, dims),
      attention_mask: new ort.Tensor("int64", batch.mask, dims),
    });
    return Float32Array.from(out.logits.data as Float32Array);
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Converts to fp16 and bf16 and runs every variant at every ORT level; returns max |Δlogit|. */
async function checkAllLevels(fp32: Model, batch: Batch, bounds: Record<PrecisionTarget, number>) {
  const errors: Record<string, number> = {};
  const converted = {
    fp16: convertToMixedPrecision(fp32, { target: "fp16", onWarning: () => {} }).model,
    bf16: convertToMixedPrecision(fp32, { target: "bf16", onWarning: () => {} }).model,
  };
  for (const level of LEVELS) {
    const reference = await logits(fp32, batch, level);
    for (const target of ["fp16", "bf16"] as const) {
      const out = await logits(converted[target], batch, level);
      const error = maxAbsDiff(out, reference);
      errors[`${target}@${level}`] = error;
      assert.ok(error > 0, `${target}@${level} differs from fp32 at all`);
      assert.ok(error < bounds[target], `${target}@${level}: max |Δlogit| ${error}`);
    }
  }
  return errors;
}

Deno.test("stand-in: ORT loads and runs the fp16 and bf16 models at every optimization level", async () => {
  const fp32 = await readModel(join(mirrorRepoDir(STANDINS.mini), "onnx", "model.onnx"));
  const pairs = await referencePairs(STANDINS.mini);
  const batch = padBatch(pairs.map((p) => p.input_ids));
  const errors = await checkAllLevels(fp32, batch, { fp16: 2e-3, bf16: 3e-2 });
  console.log("stand-in max |Δlogit| vs fp32:", errors);
  // The fp32 model reproduces PyTorch; the lower-precision ones keep its predictions.
  const torch = pairs.flatMap((p) => p.logits);
  const fp32Logits = await logits(fp32, batch, "all");
  assert.ok(maxAbsDiff(fp32Logits, torch) < 1e-4);
  for (const target of ["fp16", "bf16"] as const) {
    const { model } = convertToMixedPrecision(fp32, { target, onWarning: () => {} });
    const out = await logits(model, batch, "all");
    assert.deepEqual(argmaxRows(out, 2), argmaxRows(fp32Logits, 2), `${target} predictions`);
  }
});

extendedTest("stand-in fp16: the AMP plan and the 28 Casts at its boundaries", MIRROR, async () => {
  const fp32 = await readModel(join(mirrorRepoDir(STANDINS.mini), "onnx", "model.onnx"));
  const { model, report } = convertToMixedPrecision(fp32, { target: "fp16", onWarning: () => {} });
  const rows = Object.fromEntries(
    report.opRows().map((r) => [r.op, [r.category, r.lower, r.fp32]]),
  );
  assert.deepEqual(rows.MatMul, ["lowerPrecision", 32, 0]);
  assert.deepEqual(rows.Gemm, ["lowerPrecision", 2, 0]);
  assert.deepEqual(rows.Reshape, ["fallthrough", 16, 0]);
  assert.deepEqual(rows.Erf, ["fallthrough", 4, 0]); // GELU stays in fp16 between lin1 and lin2
  assert.deepEqual(rows.Sub, ["fallthrough", 0, 9]); // LayerNorm's Sub follows its fp32 inputs
  assert.deepEqual(rows.ReduceMean, ["fp32", 0, 18]); // LayerNorm's parts and Softmax: fp32
  assert.deepEqual(rows.Pow, ["fp32", 0, 9]);
  assert.deepEqual(rows.Sqrt, ["fp32", 0, 9]);
  assert.deepEqual(rows.Softmax, ["fp32", 0, 4]);
  // fp16: the 24 Linear bias Adds and 4 GELU Adds. fp32: 8 residual Adds (an fp16 and an fp32
  // input: the widest wins), 18 LayerNorm Adds, and the embeddings Add (ORT guard).
  assert.deepEqual(rows.Add, ["fallthrough", 28, 27]);
  const index = new GraphIndex(model.graph);
  const edges: Record<string, number> = {};
  for (const cast of model.graph.nodes.filter((n) => n.opType === "Cast")) {
    const from = index.producer(cast.inputs[0])?.opType ?? "input";
    const to = index.consumers(cast.outputs[0]).map((c) => c.opType).join(",") || "output";
    const key = `${from} -> ${getAttribute(cast, "to", "int") === 10 ? "fp16" : "fp32"} -> ${to}`;
    edges[key] = (edges[key] ?? 0) + 1;
  }
  assert.deepEqual(edges, {
    "Gather -> fp32 -> Add": 2, // embeddings: the Add feeding LayerNorm stays fp32 (ORT guard)
    "Add -> fp16 -> MatMul,MatMul,MatMul": 4, // LayerNorm output → Q, K, V (one Cast each layer)
    "Where -> fp32 -> Softmax": 4,
    "Softmax -> fp16 -> MatMul": 4,
    "Add -> fp32 -> Add": 8, // attention and FFN outputs → residual Adds
    "Add -> fp16 -> MatMul": 4, // LayerNorm output → lin1
    "Gather -> fp16 -> Gemm": 1, // [CLS] row → pre_classifier
    "Gemm -> fp32 -> output": 1, // logits stay float32
  });
  assert.equal(report.casts.final, 28);
  assert.equal(report.casts.removed.noOps, 4); // the export's bool → bool Casts of the mask
  assert.ok(report.data.initializers.bytesAfter < 0.51 * report.data.initializers.bytesBefore);
});

Deno.test("random DistilBERT (decomposed and fused LayerNorm): ORT runs fp16 and bf16 at every level", async () => {
  const config = {
    ...DISTILBERT_BASE,
    vocabSize: 1200,
    dim: 64,
    nLayers: 2,
    nHeads: 4,
    hiddenDim: 256,
    maxPositionEmbeddings: 64,
  };
  const sequences = Array.from(
    { length: 4 },
    (_, r) => Array.from({ length: 20 - 3 * r }, (_, c) => 101 + ((r * 37 + c * 11) % 1000)),
  );
  const batch = padBatch(sequences);
  for (const layerNorm of ["decomposed", "fused"] as const) {
    // std 0.2 instead of 0.02 makes activations and logits O(1) (|logit| up to ~4), so rounding
    // errors show.
    const fp32 = buildDistilBert(config, { seed: 3, std: 0.2, layerNorm });
    const scale = Math.max(...(await logits(fp32, batch, "disabled")).map(Math.abs));
    assert.ok(scale > 1, `logits are O(1): ${scale}`);
    const errors = await checkAllLevels(fp32, batch, { fp16: 1e-2, bf16: 1e-1 });
    console.log(
      `random DistilBERT (${layerNorm} LayerNorm, max |logit| ${scale.toFixed(2)}):`,
      errors,
    );
  }
});

extendedTest("ORT's own graph shows which ops really ran in fp16 and bf16", MIRROR, async () => {
  const fp32 = await readModel(join(mirrorRepoDir(STANDINS.mini), "onnx", "model.onnx"));
  const fp16 = convertToMixedPrecision(fp32, { target: "fp16", onWarning: () => {} }).model;
  const executed = await ortExecutedPrecision(fp16, { graphOptimizationLevel: "disabled" });
  const byOp = Object.fromEntries(executed.rows.map((r) => [r.op, r.byType]));
  assert.deepEqual(byOp.Transpose, { fp16: 16 }); // native fp16 kernels
  assert.deepEqual(byOp.Reshape?.fp16, 16);
  assert.deepEqual(byOp.MatMul, { fp32: 32 }); // ORT cast them back to fp32
  assert.deepEqual(byOp.Softmax, { fp32: 4 });
  const bf16 = convertToMixedPrecision(fp32, { target: "bf16", onWarning: () => {} }).model;
  const all = await ortExecutedPrecision(bf16, { graphOptimizationLevel: "all" });
  const totals = all.totals();
  assert.ok((totals.bf16 ?? 0) >= 32, "Reshape/Transpose/Gather run natively in bf16");
  assert.ok(all.casts > 100, `kit Casts around the emulated ops (${all.casts})`);
  assert.ok(all.rows.every((r) => r.op !== "MatMul" || r.byType.bf16 === undefined));
});
