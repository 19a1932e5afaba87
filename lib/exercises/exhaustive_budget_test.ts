import assert from "node:assert/strict";
import { blockGroups, recipeSpace } from "../tune/mod.ts";
import { checkExhaustiveBudget } from "./exhaustive_budget.ts";

/** The quantizable MatMul nodes of a DistilBERT with `layers` layers, grouped by block. */
function distilBertBlocks(layers: number) {
  const nodes = Array.from(
    { length: layers },
    (_, i) =>
      ["q_lin", "k_lin", "v_lin", "out_lin"].map((l) =>
        `/distilbert/transformer/layer.${i}/attention/${l}/MatMul`
      ).concat(["lin1", "lin2"].map((l) => `/distilbert/transformer/layer.${i}/ffn/${l}/MatMul`)),
  ).flat();
  return blockGroups([...nodes, "/pre_classifier/MatMul", "/classifier/MatMul"]);
}

Deno.test("07: a budget of 6 is not fixed for the default space, one recipe and 1024 trials is", () => {
  const blocks = distilBertBlocks(4); // layer.0–3, pre_classifier, classifier
  assert.equal(blocks.length, 6);
  const space = recipeSpace("static");
  const broken = checkExhaustiveBudget({ budget: 6, space, blocks, secondsPerTrial: 2 });
  assert.equal(broken.passed, false);
  // 12 recipes × (2^6 − 1) fallback sets; 6 trials try recipes without any fallback only.
  assert.match(broken.message, /756 candidates \(12 recipe\(s\) × 63 sets/);
  assert.match(broken.message, /tries 6 \(0\.8%\), none with a block left in FP32/);
  assert.match(broken.message, /25\.2 min/);
  const narrow = recipeSpace("static", {}, {
    calibration: ["minmax"],
    perChannel: [true],
    activationSymmetric: [false],
  });
  const fixed = checkExhaustiveBudget({ budget: 1024, space: narrow, blocks });
  assert.equal(fixed.passed, true, fixed.message);
  assert.match(fixed.message, /63 candidates/);
  // DistilBERT-base: 6 layers, 8 blocks, 255 sets: one recipe still fits 1024 trials.
  assert.equal(
    checkExhaustiveBudget({ budget: 1024, space: narrow, blocks: distilBertBlocks(6) }).passed,
    true,
  );
});

Deno.test("07: a model of one block has only its recipes to try", () => {
  const check = checkExhaustiveBudget({
    budget: 12,
    space: recipeSpace("static"),
    blocks: blockGroups(["fc1", "fc1"]),
  });
  assert.equal(check.passed, true, check.message);
  assert.match(check.message, /12 candidates/);
});
