import assert from "node:assert/strict";
import { DISTILBERT_BASE, type DistilBertConfig } from "../model/config.ts";
import { randomDistilBertWeights } from "../model/random.ts";
import { magnitudeCriterion } from "./criteria/magnitude.ts";
import {
  AllHeadsPrunedError,
  PatternShapeError,
  SparsityRangeError,
  UnknownCriterionError,
  UnknownPatternError,
} from "./errors.ts";
import { PruneExtension } from "./extension.ts";
import { prunableWeights } from "./layers.ts";
import { maskSparsity, masksToStructuredPlan } from "./mask.ts";
import { type PruneTarget, resolveTargets, selectMasks } from "./targets.ts";

/** 2 layers, dim 16, 4 heads of 4, FFN 32: every registered pattern divides it. */
const CONFIG: DistilBertConfig = {
  ...DISTILBERT_BASE,
  vocabSize: 40,
  dim: 16,
  nLayers: 2,
  nHeads: 4,
  hiddenDim: 32,
  maxPositionEmbeddings: 16,
};
const WEIGHTS = randomDistilBertWeights(CONFIG, { seed: 7, std: 0.5 });
const PRUNABLE = prunableWeights(CONFIG);

function masksFor(target: PruneTarget, prunable = PRUNABLE) {
  const targets = resolveTargets(CONFIG, [target], prunable);
  const names = [...targets[0].units.flatMap((u) => [...u.weights.keys()])];
  const scores = magnitudeCriterion().scores({
    names,
    weight: (n) => WEIGHTS.get(n)!.data,
  });
  return selectMasks(targets, { scores });
}

Deno.test("element, block and N:M patterns reach the exact sparsity in every weight", () => {
  for (
    const [pattern, sparsity, expected] of [
      ["unstructured", 0.7, (size: number) => Math.round(0.7 * size) / size],
      ["4x1", 0.5, () => 0.5],
      ["1x4", 0.75, () => 0.75],
      ["2x2", 0.25, () => 0.25],
      ["2:4", 0.5, () => 0.5],
      ["4:8", 0.5, () => 0.5],
    ] as const
  ) {
    const masks = masksFor({ pattern, sparsity });
    assert.equal(masks.size, 12, pattern);
    for (const [name, { mask }] of masks) {
      assert.equal(
        maskSparsity(new Map([[name, masks.get(name)!]])).sparsity,
        expected(mask.length),
        `${pattern} ${name}`,
      );
    }
  }
});

Deno.test("magnitude prunes the smallest entries: every kept |w| ≥ every pruned |w| of a weight", () => {
  const masks = masksFor({ pattern: "unstructured", sparsity: 0.6 });
  for (const [name, { mask }] of masks) {
    const w = WEIGHTS.get(name)!.data;
    let keptMin = Infinity;
    let prunedMax = 0;
    w.forEach((x, i) => {
      if (mask[i]) keptMin = Math.min(keptMin, Math.abs(x));
      else prunedMax = Math.max(prunedMax, Math.abs(x));
    });
    assert.ok(keptMin >= prunedMax, name);
  }
});

Deno.test("N:M keeps exactly N of every M consecutive inputs, in every group of every weight", () => {
  for (const [n, m] of [[2, 4], [4, 8]]) {
    const masks = masksFor({ pattern: `${n}:${m}`, sparsity: 1 - n / m });
    let groups = 0;
    for (const [name, { mask, shape }] of masks) {
      assert.equal(shape[1] % m, 0);
      for (let g = 0; g < mask.length; g += m) {
        const kept = mask.subarray(g, g + m).reduce((a, b) => a + b, 0);
        assert.equal(kept, n, `${name} group ${g / m}`);
        groups++;
      }
    }
    assert.equal(groups, (2 * (4 * 16 * 16 + 2 * 16 * 32)) / m);
  }
  // Below 1 − N/M: only entries N:M would prune go, so no group loses more than M − N.
  const partial = masksFor({ pattern: "2:4", sparsity: 0.3 });
  for (const [, { mask }] of partial) {
    for (let g = 0; g < mask.length; g += 4) {
      assert.ok(mask.subarray(g, g + 4).reduce((a, b) => a + b, 0) >= 2);
    }
    assert.equal(mask.length - mask.reduce((a, b) => a + b, 0), Math.round(0.3 * mask.length));
  }
});

Deno.test("blocks are pruned whole (4x1: four output rows of one input column)", () => {
  const masks = masksFor({ pattern: "4x1", sparsity: 0.5 });
  for (const [, { mask, shape }] of masks) {
    const [rows, cols] = shape;
    for (let r = 0; r < rows; r += 4) {
      for (let c = 0; c < cols; c++) {
        const block = [0, 1, 2, 3].map((k) => mask[(r + k) * cols + c]);
        assert.ok(block.every((x) => x === block[0]));
      }
    }
  }
});

Deno.test("FFN neurons and heads are pruned whole, to the exact count per layer", () => {
  const ffn = masksFor({ pattern: "ffn", sparsity: 0.25 });
  const heads = masksFor({ pattern: "head", sparsity: 0.5 });
  const planF = masksToStructuredPlan(CONFIG, ffn);
  const planH = masksToStructuredPlan(CONFIG, heads);
  for (let i = 0; i < 2; i++) {
    assert.equal(planF.layers[i]!.ffnKeep.length, 24);
    assert.equal(planF.layers[i]!.headsKeep.length, 4);
    assert.equal(planH.layers[i]!.headsKeep.length, 2);
    assert.equal(planH.layers[i]!.ffnKeep.length, 32);
  }
  // The FFN unit with the smallest Σ|lin1 row| + |bias| + Σ|lin2 column| is among the pruned.
  const p = "distilbert.transformer.layer.0.ffn";
  const [a, b, c] = ["lin1.weight", "lin1.bias", "lin2.weight"].map((n) =>
    WEIGHTS.get(`${p}.${n}`)!.data
  );
  const score = (j: number) => {
    let s = Math.abs(b[j]);
    for (let k = 0; k < 16; k++) s += Math.abs(a[j * 16 + k]) + Math.abs(c[k * 32 + j]);
    return s;
  };
  const order = Array.from({ length: 32 }, (_, j) => j).sort((x, y) => score(x) - score(y));
  assert.deepEqual(
    Array.from({ length: 32 }, (_, j) => j).filter((j) => !planF.layers[0]!.ffnKeep.includes(j)),
    order.slice(0, 8).sort((x, y) => x - y),
  );
  // Masks cover biases too: a pruned head zeroes its q/k/v bias entries.
  const qBias = heads.get("distilbert.transformer.layer.1.attention.q_lin.bias")!.mask;
  assert.equal(qBias.reduce((x, y) => x + y, 0), 8);
});

Deno.test("global scope: one ranking over all weights hits the total exactly, layers differ", () => {
  const masks = masksFor({ pattern: "unstructured", sparsity: 0.5, scope: "global" });
  const s = maskSparsity(masks);
  assert.equal(s.zeros, Math.round(0.5 * s.total));
  const per = [...s.byWeight.values()];
  assert.ok(Math.max(...per) - Math.min(...per) > 0.01, `${per}`);
});

Deno.test("per-layer targets by layer prefix; units without a key stay dense", () => {
  const masks = masksFor({
    pattern: "unstructured",
    sparsity: {
      "distilbert.transformer.layer.1": 0.5,
      "distilbert.transformer.layer.1.ffn.lin1.weight": 0.25,
    },
  });
  const s = maskSparsity(masks).byWeight;
  assert.equal(s.get("distilbert.transformer.layer.0.ffn.lin1.weight"), 0);
  assert.equal(s.get("distilbert.transformer.layer.1.ffn.lin2.weight"), 0.5);
  assert.equal(s.get("distilbert.transformer.layer.1.ffn.lin1.weight"), 0.25);
});

Deno.test("embeddings and the classifier are left out by default and let in by option", () => {
  assert.deepEqual([...PRUNABLE.keys()].filter((n) => !n.includes("transformer")), []);
  const all = prunableWeights(CONFIG, {
    classifier: true,
    embeddings: true,
    exclude: ["classifier.weight"],
  });
  assert.deepEqual([...all.keys()].filter((n) => !n.includes("transformer")), [
    "distilbert.embeddings.word_embeddings.weight",
    "distilbert.embeddings.position_embeddings.weight",
    "pre_classifier.weight",
  ]);
});

Deno.test("refused before any work: sparsity range, shapes, unknown names, every head", () => {
  const make = (target: PruneTarget, criterion = "magnitude", config = CONFIG) => () =>
    new PruneExtension(config, { criterion, targets: [target] });
  for (const sparsity of [-0.1, 1, 1.5, NaN]) {
    assert.throws(
      make({ pattern: "unstructured", sparsity }),
      (e: Error) => e instanceof SparsityRangeError && /outside \[0, 1\)/.test(e.message),
    );
  }
  assert.throws(make({ pattern: "2:4", sparsity: 0.6 }), SparsityRangeError);
  const odd = { ...CONFIG, dim: 6, nHeads: 2, hiddenDim: 12 };
  assert.throws(
    make({ pattern: "4x1", sparsity: 0.5 }, "magnitude", odd),
    (e: Error) =>
      e instanceof PatternShapeError && /4 does not divide the 6 rows/.test(e.message) &&
      /exclude option/.test(e.message),
  );
  assert.throws(
    make({ pattern: "2:4", sparsity: 0.5 }, "magnitude", odd),
    (e: Error) =>
      e instanceof PatternShapeError && /4 does not divide the 6 inputs/.test(e.message),
  );
  assert.throws(make({ pattern: "diagonal", sparsity: 0.5 }), UnknownPatternError);
  assert.throws(
    make({ pattern: "unstructured", sparsity: 0.5 }, "hessian"),
    (e: Error) =>
      e instanceof UnknownCriterionError &&
      /magnitude, taylor, snip-momentum, group-lasso, random/.test(e.message),
  );
  assert.throws(
    make({ pattern: "head", sparsity: 0.9 }),
    (e: Error) =>
      e instanceof AllHeadsPrunedError &&
      /4 of the 4 heads of distilbert.transformer.layer.0/.test(e.message),
  );
  assert.throws(
    make({ pattern: "head", sparsity: { "distilbert.transformer.layer.1": 0.95 } }),
    AllHeadsPrunedError,
  );
  assert.throws(make({ pattern: "head", sparsity: { "layer.7": 0.5 } }), /no unit of pattern head/);
  assert.throws(
    () =>
      new PruneExtension(CONFIG, {
        targets: [{ pattern: "unstructured", sparsity: 0.5 }],
        layers: { layers: [5] },
      }),
    /layers 0–1, not 5/,
  );
  assert.throws(
    () =>
      new PruneExtension(CONFIG, {
        targets: [],
        schedule: { kind: "gradual", every: 0, steps: 3 },
      }),
    /schedule.every/,
  );
  // A global head target never empties a layer: the best head of each stays.
  const global = masksFor({ pattern: "head", sparsity: 0.7, scope: "global" });
  const plan = masksToStructuredPlan(CONFIG, global);
  assert.ok(plan.layers.every((l) => l!.headsKeep.length >= 1));
  assert.equal(plan.layers.reduce((a, l) => a + 4 - l!.headsKeep.length, 0), Math.round(0.7 * 8));
});
