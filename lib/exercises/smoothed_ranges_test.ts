import assert from "node:assert/strict";
import {
  buildDistilBertGraph,
  DISTILBERT_BASE,
  outlierTwin,
  randomDistilBertWeights,
} from "../model/mod.ts";
import { calibrate, collectLinearInputs, smoothQuant } from "../quant/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";
import { checkSmoothedRanges } from "./smoothed_ranges.ts";

Deno.test("08: ranges calibrated before smoothing are not fixed, ranges of the smoothed model are", async () => {
  const config = {
    ...DISTILBERT_BASE,
    vocabSize: 2000,
    nLayers: 2,
    dim: 32,
    nHeads: 4,
    hiddenDim: 64,
    maxPositionEmbeddings: 32,
  };
  const weights = randomDistilBertWeights(config, { seed: 2 });
  const twin = buildDistilBertGraph(
    config,
    outlierTwin(config, weights, { factor: 100, channels: 2, seed: 1 }).weights,
  );
  const batches = Array.from(
    { length: 2 },
    (_, i) => syntheticBatch({ size: 4, seqLen: 16, vocabSize: 2000, seed: i }),
  );
  const stats = await collectLinearInputs(twin, batches);
  const smoothed = smoothQuant(twin, { stats, alpha: 0.5 });
  assert.ok(smoothed.groups.length >= 2);
  const before = await calibrate(twin, batches, { progress: false });
  const after = await calibrate(smoothed.model, batches, { progress: false });
  const broken = checkSmoothedRanges({ groups: smoothed.groups, ranges: before.ranges });
  assert.equal(broken.passed, false);
  const ratio = Number(/\((\d+\.\d)×;/.exec(broken.message)![1]);
  assert.ok(ratio > 4, broken.message);
  const fixed = checkSmoothedRanges({ groups: smoothed.groups, ranges: after.ranges });
  assert.equal(fixed.passed, true, fixed.message);
  assert.match(fixed.message, /\(1\.0×;/);
});

Deno.test("08: a smoothed input without a range is not fixed", () => {
  const groups = [{
    linears: ["fc"],
    input: "x",
    alpha: 0.5,
    folded: "mul" as const,
    inputAbsMax: { before: 8, after: 2 },
    scales: Float32Array.from([4, 1]),
  }];
  const check = checkSmoothedRanges({ groups, ranges: {} });
  assert.equal(check.passed, false);
  assert.match(check.message, /no smoothed input has a calibrated range/);
});
