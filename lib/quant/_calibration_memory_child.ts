/**
 * Child process of the calibration-memory test: calibrates a mini-size DistilBERT on 200 token
 * batches of varying length and prints `{ batches, rssAt10, rssAt200, counted, expected }` as
 * JSON. It runs alone in its process because `deno test` runs test files side by side in one
 * process, whose resident memory would mix every test's allocations.
 *
 * @module
 */
import { buildDistilBert } from "../model/mod.ts";
import { residentMemory } from "../bench/mod.ts";
import { TINY, tokenBatches } from "./_test_support.ts";
import { calibrate } from "./calibrate.ts";
import type { CalibrationInput } from "./calibration_feeds.ts";

/** Token batches that record resident memory after batch 10 and after the last one. */
function* measuredBatches(rss: { at10: number; at200: number }): Generator<CalibrationInput> {
  let i = 0;
  for (const batch of tokenBatches(200, { size: 8 })) {
    yield batch;
    i++;
    if (i === 10) rss.at10 = residentMemory().current;
  }
  rss.at200 = residentMemory().current;
}

if (import.meta.main) {
  // Mini-size activations (dim 256, FFN 1024): ~10 MB of recorded outputs per batch, so keeping
  // them (what ONNX Runtime's calibrator does) would grow memory by ~2 GB over 200 batches.
  const model = buildDistilBert(
    { ...TINY, dim: 256, hiddenDim: 1024, nHeads: 4, nLayers: 4 },
    { seed: 3 },
  );
  const rss = { at10: 0, at200: 0 };
  const result = await calibrate(model, measuredBatches(rss), {
    progress: false,
    method: "percentile",
    session: { intraOpThreads: 1 },
  });
  const ln = result.statistics["/distilbert/embeddings/LayerNorm/Add_1_output_0"];
  const tokens = [...tokenBatches(200, { size: 8 })].reduce((n, b) => n + b.size * b.seqLen, 0);
  console.log(JSON.stringify({
    batches: result.batches,
    rssAt10: rss.at10,
    rssAt200: rss.at200,
    counted: ln.count,
    expected: tokens * 256,
  }));
}
