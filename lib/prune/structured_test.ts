import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareMrpc } from "../data/mod.ts";
import {
  buildDistilBert,
  buildDistilBertGraph,
  DISTILBERT_BASE,
  type DistilBertConfig,
  parseDistilBertConfig,
  randomDistilBertWeights,
  readSafetensors,
  type WeightMap,
} from "../model/mod.ts";
import { findLinears, type Model, readModel } from "../onnx/mod.ts";
import type { TokenBatch } from "../runtime/mod.ts";
import { mirrorRepoDir, mrpcTsvDir, STANDINS } from "../../tests/support/mirror.ts";
import { firstOutputs } from "../../tests/support/tiny_distilbert.ts";
import { type StructuredPlan, StructuredPlanError, structuredPlanToMasks } from "./mask.ts";
import { applyMasks, linearWeights, MaskTargetError } from "./onnx_masks.ts";
import {
  planByMagnitude,
  pruneStateDict,
  pruneStructured,
  StructuredPruneError,
} from "./structured.ts";

const DIR = mirrorRepoDir(STANDINS.mini);

async function standin(): Promise<{ config: DistilBertConfig; weights: WeightMap; hub: Model }> {
  const config = parseDistilBertConfig(await Deno.readTextFile(join(DIR, "config.json")));
  const weights = await readSafetensors(join(DIR, "model.safetensors"));
  return { config, weights, hub: await readModel(join(DIR, "onnx", "model.onnx")) };
}

/** The first 48 MRPC validation pairs (batches of 16, padded: the attention mask matters). */
async function mrpcBatches(): Promise<TokenBatch[]> {
  const prepared = await prepareMrpc("validation", {
    modelId: STANDINS.mini,
    dir: mrpcTsvDir(),
    tokenizerDir: DIR,
    batchSize: 16,
    limit: 48,
    progress: false,
  });
  return prepared.batches;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let max = 0;
  a.forEach((x, i) => {
    assert.equal(x.length, b[i].length);
    for (let k = 0; k < x.length; k++) max = Math.max(max, Math.abs(x[k] - b[i][k]));
  });
  return max;
}

/** Magnitude plan, then different head and FFN counts in the last layer. */
function unevenPlan(config: DistilBertConfig, weights: WeightMap): StructuredPlan {
  const plan = planByMagnitude(config, weights, { ffn: 0.5, heads: 0.5 });
  const last = plan.layers[config.nLayers - 1]!;
  last.ffnKeep = last.ffnKeep.filter((_, j) => j % 3 !== 0);
  last.headsKeep = [config.nHeads - 1];
  return plan;
}

Deno.test("pruneStructured: removing FFN units and heads is exact — same logits as the dense model with those groups masked, on MRPC (kit export and hub export)", async () => {
  const { config, weights, hub } = await standin();
  const kit = buildDistilBertGraph(config, weights);
  const batches = await mrpcBatches();
  const plan = unevenPlan(config, weights);
  const masks = structuredPlanToMasks(config, plan);
  for (const [graph, dense] of [["kit", kit], ["hub", hub]] as const) {
    const masked = await firstOutputs(applyMasks(dense, masks).model, batches);
    const unfused = pruneStructured(dense, { config, plan, passes: false });
    const fused = pruneStructured(dense, { config, plan });
    assert.ok(fused.model.graph.nodes.length < unfused.model.graph.nodes.length / 2, graph);
    const a = maxAbsDiff(await firstOutputs(unfused.model, batches), masked);
    const b = maxAbsDiff(await firstOutputs(fused.model, batches), masked);
    assert.ok(a < 1e-5 && b < 1e-5, `${graph}: unfused ${a}, fused ${b}`);
    // the masks really matter: the dense model's logits differ
    assert.ok(maxAbsDiff(await firstOutputs(dense, batches), masked) > 1e-3, graph);
    const last = unfused.model.graph.initializers.find((t) =>
      t.name === `distilbert.transformer.layer.${config.nLayers - 1}.ffn.lin1.bias`
    );
    assert.equal(last?.dims[0], plan.layers[config.nLayers - 1]!.ffnKeep.length);
  }
});

Deno.test("pruneStructured: removing whole layers gives the model the kit's exporter builds from the pruned state dict (kit export and hub export)", async () => {
  const { config, weights, hub } = await standin();
  const batches = (await mrpcBatches()).slice(0, 2);
  const plan = unevenPlan(config, weights);
  plan.layers[0] = null;
  const expected = pruneStateDict(config, weights, plan);
  assert.equal(expected.config.nLayers, config.nLayers - 1);
  const reference = await firstOutputs(
    buildDistilBertGraph(expected.config, expected.weights),
    batches,
  );
  for (const [graph, dense] of [["kit", buildDistilBertGraph(config, weights)], ["hub", hub]]) {
    const pruned = pruneStructured(dense as Model, { config, plan });
    assert.deepEqual(pruned.config, expected.config);
    const diff = maxAbsDiff(await firstOutputs(pruned.model, batches), reference);
    assert.ok(diff < 1e-5, `${graph}: ${diff}`);
  }
  // the unfused kit graph keeps state-dict names, renumbered: it reads back as a state dict
  const unfused = pruneStructured(hub, { config, plan, passes: false }).model;
  const read = linearWeights(unfused);
  for (const [name, t] of expected.weights) {
    if (!read.has(name)) continue;
    assert.deepEqual(read.get(name)!.shape, t.shape, name);
    assert.deepEqual(read.get(name)!.data, t.data, name);
  }
  assert.equal(read.size, 6 * (config.nLayers - 1) * 2 + 4);
});

Deno.test("pruneStructured: full-size DistilBERT-base, 50% FFN and 25% heads gone in every layer, runs in ORT and matches the masked dense model", async () => {
  const weights = randomDistilBertWeights(DISTILBERT_BASE, { seed: 3 });
  const dense = buildDistilBertGraph(DISTILBERT_BASE, weights);
  const plan = planByMagnitude(DISTILBERT_BASE, weights, { ffn: 0.5, heads: 0.25 });
  const pruned = pruneStructured(dense, { config: DISTILBERT_BASE, plan });
  assert.deepEqual(pruned.config.layers, new Array(6).fill({ nHeads: 9, hiddenDim: 1536 }));
  assert.deepEqual(pruned.removed, { layers: 0, heads: 18, ffnUnits: 6 * 1536 });
  assert.ok(pruned.model.graph.nodes.some((n) => n.opType === "Attention"));
  const batches = (await mrpcBatches()).slice(0, 1);
  const masked = applyMasks(dense, structuredPlanToMasks(DISTILBERT_BASE, plan)).model;
  const diff = maxAbsDiff(
    await firstOutputs(pruned.model, batches),
    await firstOutputs(masked, batches),
  );
  assert.ok(diff < 1e-5, `${diff}`);
});

Deno.test("pruneStructured and applyMasks refuse what they cannot do, naming the fix", () => {
  const config = {
    ...DISTILBERT_BASE,
    vocabSize: 30,
    dim: 8,
    nLayers: 2,
    nHeads: 2,
    hiddenDim: 16,
    maxPositionEmbeddings: 8,
  };
  const model = buildDistilBert(config, { seed: 1 });
  const keep = { ffnKeep: [0, 1], headsKeep: [0] };
  const refuse = (plan: StructuredPlan, pattern: RegExp) =>
    assert.throws(() => pruneStructured(model, { config, plan }), (e: Error) => {
      assert.ok(e instanceof StructuredPlanError, e.message);
      assert.match(e.message, pattern);
      return true;
    });
  refuse({ layers: [keep] }, /one entry per/);
  refuse(
    { layers: [keep, { ffnKeep: [0], headsKeep: [] }] },
    /every head .*remove the whole layer/,
  );
  refuse({ layers: [keep, { ffnKeep: [2, 1], headsKeep: [0] }] }, /ascending/);
  refuse({ layers: [keep, { ffnKeep: [16], headsKeep: [0] }] }, /0…15/);
  refuse({ layers: [null, null] }, /keep at least one/);
  assert.throws(() => planByMagnitude(config, new Map(), { ffn: 1, heads: 0 }), /ffn fraction 1/);
  const { model: fused } = pruneStructured(model, { config, plan: { layers: [keep, keep] } });
  assert.throws(
    () => pruneStructured(fused, { config, plan: { layers: [keep, keep] } }),
    (e: Error) => e instanceof StructuredPruneError && /unfused/.test(e.message),
  );
  const mask = (shape: number[]) => ({ shape, mask: new Uint8Array(shape[0] * shape[1]) });
  assert.throws(
    () => applyMasks(model, new Map([["encoder.weight", mask([2, 2])]])),
    (e: Error) => e instanceof MaskTargetError && /names no Linear/.test(e.message),
  );
  assert.throws(
    () =>
      applyMasks(
        model,
        new Map([["distilbert.transformer.layer.0.ffn.lin1.weight", mask([8, 16])]]),
      ),
    (e: Error) => e instanceof MaskTargetError && /\[16,8\]/.test(e.message),
  );
  assert.equal(findLinears(model.graph).length, 14); // the input model is unchanged
});

Deno.test("applyMasks: the same masks give the same logits on the kit's export and the hub's torch export", async () => {
  const { config, weights, hub } = await standin();
  const kit = buildDistilBertGraph(config, weights);
  const masks = new Map(
    [...weights].filter(([n]) => /layer\.\d\..*_lin\.weight$|lin\d\.weight$/.test(n)).map((
      [name, t],
    ) => [name, {
      shape: t.shape,
      mask: Uint8Array.from(t.data, (x) => (Math.abs(x) > 0.02 ? 1 : 0)),
    }]),
  );
  const { model: a, zeroed } = applyMasks(kit, masks);
  const { model: b } = applyMasks(hub, masks);
  assert.equal(zeroed.size, 6 * config.nLayers);
  assert.ok([...zeroed.values()].every((z) => z > 0));
  const batches = (await mrpcBatches()).slice(0, 1);
  const diff = maxAbsDiff(await firstOutputs(a, batches), await firstOutputs(b, batches));
  assert.ok(diff < 1e-4, `${diff}`);
  const hubWeights = linearWeights(b);
  const name = "distilbert.transformer.layer.1.ffn.lin2.weight";
  const m = masks.get(name)!.mask;
  assert.ok(hubWeights.get(name)!.data.every((x, k) => (m[k] === 0 ? x === 0 : x !== 0)));
});
