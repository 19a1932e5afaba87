/**
 * The checker on real `fusionBenchRows` of a small DistilBERT: against ORT with its optimizer
 * off the kit's fusion looks bigger than it is (not fixed); against `ort-all` it is fixed.
 */
import assert from "node:assert/strict";
import { fusionBenchRows } from "../fuse/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { checkFusionBaseline } from "./mod.ts";

Deno.test("04: a fusion measured against ORT with its optimizer off is not fixed, against ort-all it is", async () => {
  const config = {
    ...DISTILBERT_BASE,
    vocabSize: 2000,
    nLayers: 2,
    dim: 32,
    nHeads: 4,
    hiddenDim: 64,
  };
  const rows = await fusionBenchRows({
    model: buildDistilBert(config, { seed: 3 }),
    vocabSize: config.vocabSize,
    batches: [1],
    seq: 16,
    variants: ["ort-disabled", "ort-basic", "ort-all", "kit+ort-all"],
    measure: { warmup: 0, iterations: 2, minTimeMs: 0 },
    progress: false,
  });
  const nodes = (v: string) => rows.find((r) => r.variant === v)!.nodes;
  assert.ok(nodes("ort-all") < nodes("ort-disabled"), "ORT's optimizer removes nodes by itself");
  assert.ok(nodes("kit+ort-all") < nodes("ort-all"));
  for (
    const [baseline, fixed] of [["ort-disabled", false], ["ort-basic", false], [
      "ort-all",
      true,
    ]] as const
  ) {
    const check = checkFusionBaseline({ rows, baseline });
    assert.equal(check.passed, fixed, `${baseline}: ${check.message}`);
    assert.match(check.message, /ort-all \(ORT's own optimizer at its best\)/);
  }
  assert.throws(() => checkFusionBaseline({ rows, baseline: "ort-extended" }), /ort-extended/);
});
