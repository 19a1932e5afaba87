/**
 * The generic search loop on a space that is not quantization: per-layer FFN pruning ratios of
 * the tiny DistilBERT (the shape of the pruning space to come), searched greedily and scored by
 * the classifier evaluator on the model's own confident predictions.
 */
import assert from "node:assert/strict";
import type { Model } from "../onnx/mod.ts";
import {
  balanceClassifier,
  marginQuantile,
  selfLabelled,
  TINY,
  tokenBatches,
} from "./_test_support.ts";
import { buildDistilBert } from "../model/mod.ts";
import {
  classifierEvaluator,
  search,
  type SearchSpace,
  type SearchStrategy,
  type SearchTrial,
} from "./mod.ts";

/** FFN pruning ratio of each layer (share of hidden units zeroed). */
type Ratios = readonly number[];
type Pruned = { ratios: number[]; prunedUnits: number };

const evalBatches = tokenBatches(16, { seed: 11 });
const model = await balanceClassifier(buildDistilBert(TINY, { seed: 5, std: 0.2 }), evalBatches);
const labelled = await selfLabelled(model, evalBatches, {
  minMargin: await marginQuantile(model, evalBatches, 0.2),
});

function tensor(m: Model, name: string): Float32Array {
  return m.graph.initializers.find((t) => t.name === name)!.data as Float32Array;
}

/** Zeroes the `ratio` share of layer's FFN units with the smallest lin1 column norm; how many. */
function pruneFfn(m: Model, layer: number, ratio: number): number {
  const prefix = `distilbert.transformer.layer.${layer}.ffn`;
  const w1 = tensor(m, `${prefix}.lin1.weight`); // [dim, hidden]
  const b1 = tensor(m, `${prefix}.lin1.bias`);
  const w2 = tensor(m, `${prefix}.lin2.weight`); // [hidden, dim]
  const hidden = b1.length;
  const dim = w1.length / hidden;
  const norm = (u: number) => {
    let s = 0;
    for (let r = 0; r < dim; r++) s += w1[r * hidden + u] ** 2;
    return s;
  };
  const order = Array.from({ length: hidden }, (_, u) => u).sort((a, b) => norm(a) - norm(b));
  const drop = order.slice(0, Math.round(ratio * hidden));
  for (const u of drop) {
    for (let r = 0; r < dim; r++) w1[r * hidden + u] = 0;
    b1[u] = 0;
    w2.fill(0, u * dim, (u + 1) * dim);
  }
  return drop.length;
}

const pruningSpace: SearchSpace<Ratios, Pruned> = {
  name: "pruning",
  key: (ratios) => ratios.join(","),
  describe: (ratios) => `FFN pruned ${ratios.map((r) => `${r * 100}%`).join(" / ")}`,
  apply(ratios) {
    const pruned = structuredClone(model);
    const prunedUnits = ratios.reduce((n, r, layer) => n + pruneFfn(pruned, layer, r), 0);
    return { model: pruned, record: { ratios: [...ratios], prunedUnits }, artifact: undefined };
  },
  cost: (trial) => -trial.prunedUnits,
};

/** Raises each layer's ratio by quarters while the criterion holds, layer after layer. */
function greedy(proposed: string[]): SearchStrategy<Ratios, Pruned> {
  return {
    name: "greedy",
    async run(loop) {
      let current: number[] = new Array(TINY.nLayers).fill(0);
      const propose = (phase: string, ratios: number[]) => {
        proposed.push(`${phase}:${ratios.join(",")}`);
        return loop.run(phase, ratios);
      };
      if (!(await propose("dense", current))?.met) return;
      for (let layer = 0; layer < current.length; layer++) {
        for (const ratio of [0.0625, 0.125, 0.25, 0.5]) {
          const next = current.with(layer, ratio);
          const trial = await propose(`layer.${layer}`, next);
          if (!trial) return;
          if (!trial.met) break;
          current = next;
        }
      }
    },
  };
}

Deno.test("search: a pruning space on a real tiny model, end to end", async () => {
  const proposed: string[] = [];
  const seen: number[] = [];
  const evaluate = classifierEvaluator({ batches: labelled, session: { intraOpThreads: 1 } });
  const result = await search({
    model,
    space: pruningSpace,
    strategy: greedy(proposed),
    evaluate,
    criterion: { relative: 0.05 },
    latency: false,
    progress: false,
    onTrial: (trial) => void seen.push(trial.index),
  });
  console.log(result.message);
  const rows = (t: SearchTrial<Pruned>) => `${t.phase}:${t.ratios.join(",")}`;
  assert.deepEqual(result.history.map(rows), proposed, "trials ran as proposed, in order");
  assert.deepEqual(seen, result.history.map((t) => t.index));
  assert.equal(result.baseline.accuracy, 1, "labels are the dense model's own predictions");
  const [dense] = result.history;
  assert.equal(dense.accuracy, 1);
  assert.equal(dense.prunedUnits, 0);
  assert.equal(dense.sizeBytes, result.baseline.sizeBytes);
  // Pruning more costs accuracy: some step fails the 5% criterion and the greedy search backs off.
  assert.ok(result.history.some((t) => !t.met), result.message);
  assert.ok(result.history.every((t) => t.met === t.accuracy >= 0.95 - 1e-9));
  // The best trial is the passing one that prunes most, and its model is that trial's.
  const passing = result.history.filter((t) => t.met);
  const most = Math.max(...passing.map((t) => t.prunedUnits));
  assert.ok(most > 0, "some pruning passes");
  assert.equal(result.best.prunedUnits, most);
  assert.equal(result.met, true);
  assert.equal(result.stopReason, "met");
  assert.equal((await evaluate(result.model)).accuracy, result.best.accuracy);
  const zeroRows = (m: Model) =>
    Array.from({ length: TINY.nLayers }, (_, layer) => {
      const w2 = tensor(m, `distilbert.transformer.layer.${layer}.ffn.lin2.weight`);
      const rows = TINY.hiddenDim;
      const dim = w2.length / rows;
      return Array.from({ length: rows }, (_, u) => w2.subarray(u * dim, (u + 1) * dim))
        .filter((row) => row.every((x) => x === 0)).length;
    }).reduce((a, b) => a + b, 0);
  assert.equal(zeroRows(result.model), most, "the pruned units are zero in the returned model");
  assert.equal(zeroRows(model), 0, "the FP32 model is not changed");
  assert.match(result.message, /^Met ≤ 5% relative loss \(pruning\) with trial \d+ \(layer\.\d\)/);
});

Deno.test("search: budgets and errors apply to any space", async () => {
  const evaluate = classifierEvaluator({ batches: labelled, session: { intraOpThreads: 1 } });
  const capped = await search({
    model,
    space: pruningSpace,
    strategy: greedy([]),
    evaluate,
    criterion: { relative: 0.05 },
    maxTrials: 2,
    latency: false,
    progress: false,
  });
  assert.equal(capped.history.length, 2);
  assert.deepEqual(capped.history.map((t) => t.ratios), [[0, 0], [0.0625, 0]]);
  assert.equal(capped.stopReason, "met", "the dense trial passes; the budget cut the search");
  assert.equal(capped.best.index, 0);
  const broken: SearchSpace<Ratios, Pruned> = {
    ...pruningSpace,
    apply: () => {
      throw new Error("no such layer");
    },
  };
  await assert.rejects(
    () =>
      search({
        model,
        space: broken,
        strategy: greedy([]),
        evaluate,
        latency: false,
        progress: false,
      }),
    /^TuneError: trial 0 \(dense: FFN pruned 0% \/ 0%\): pruning failed: no such layer$/,
  );
});
