import assert from "node:assert/strict";
import { randomDistilBertWeights } from "../model/random.ts";
import { TINY_CONFIG } from "./_test_support.ts";
import { initTf } from "./backend.ts";
import type { ForwardHooks } from "./hooks.ts";
import { fullLengthRows, timeTrainSteps, trainStepRow } from "./step_bench.ts";

/** The tiny test model with a BERT-sized id range for the random words (1100 ids). */
const CONFIG = { ...TINY_CONFIG, vocabSize: 1100 };

Deno.test("timeTrainSteps times the updates after a warm-up, through the hooks, and the row agrees", async () => {
  const tf = await initTf();
  const weights = randomDistilBertWeights(CONFIG, { seed: 2 });
  let linearCalls = 0;
  const hooks: ForwardHooks = {
    linear(call, next) {
      linearCalls++;
      return next(call);
    },
  };
  const tensorsBefore = tf.memory().numTensors;
  const started = performance.now();
  const timing = await timeTrainSteps(CONFIG, weights, { steps: 3, batch: 4, seq: 12, hooks });
  const wallMs = performance.now() - started;
  assert.equal(tf.memory().numTensors, tensorsBefore, "the model is disposed");
  // 1 layer: q, k, v, out, lin1, lin2, pre_classifier, classifier — per forward of 4 updates.
  assert.equal(linearCalls, 8 * 4);

  const { stats } = timing;
  assert.equal(stats.count, 3);
  assert.ok(stats.minMs > 0 && stats.minMs <= stats.medianMs && stats.medianMs <= stats.maxMs);
  assert.ok(
    stats.meanMs * 3 <= wallMs,
    `${stats.meanMs} ms × 3 timed in ${wallMs} ms of wall time`,
  );
  assert.equal(timing.tokensPerStep, 4 * 12);
  const expected = (4 * 12) / (stats.medianMs / 1000);
  assert.ok(Math.abs(timing.tokensPerSecond / expected - 1) < 1e-12, "tokens / median seconds");
  const parameters = [...weights.values()].reduce((n, t) => n + t.data.length, 0);
  assert.equal(timing.sizeBytes, parameters * 4);
  assert.ok(timing.threads >= 1);

  const row = trainStepRow("tiny", "train step (tfjs wasm)", timing);
  assert.deepEqual(Object.keys(row), [
    "model",
    "variant",
    "batch",
    "seq",
    "medianMs",
    "p90Ms",
    "p99Ms",
    "meanMs",
    "throughput",
    "sizeBytes",
    "runs",
    "tokensPerSecond",
    "threads",
    "note",
  ]);
  assert.equal(row.runs, 3);
  assert.deepEqual([row.batch, row.seq], [4, 12]);
  assert.deepEqual(
    [row.medianMs, row.p90Ms, row.p99Ms, row.meanMs],
    [stats.medianMs, stats.p90Ms, stats.p99Ms, stats.meanMs],
  );
  assert.ok(Math.abs(row.tokensPerSecond - row.throughput! * row.seq) < 1e-9 * row.tokensPerSecond);
  assert.match(
    row.note,
    /^median of 3 update\(s\) after 1 warm-up; load average \d+\.\d\d on \d+ cores$/,
  );
});

Deno.test("timeTrainSteps rejects a run with no timed update", async () => {
  const weights = randomDistilBertWeights(CONFIG, { seed: 2 });
  await assert.rejects(
    () => timeTrainSteps(CONFIG, weights, { steps: 0, batch: 2, seq: 8 }),
    RangeError,
  );
});

Deno.test("fullLengthRows: seeded [CLS] words [SEP] rows of exactly seqLen attended tokens", () => {
  const { encoded, labels } = fullLengthRows(5, 9, 1100);
  assert.equal(encoded.length, 5);
  assert.deepEqual(labels, [0, 1, 0, 1, 0]);
  for (const row of encoded) {
    assert.equal(row.inputIds.length, 9);
    assert.deepEqual(row.attentionMask, Array(9).fill(1));
    assert.deepEqual([row.inputIds[0], row.inputIds[8]], [101, 102]);
    assert.ok(row.inputIds.slice(1, -1).every((id) => id >= 1000 && id < 1100));
  }
  assert.deepEqual(fullLengthRows(5, 9, 1100).encoded, encoded);
  assert.notDeepEqual(fullLengthRows(5, 9, 1100, 6).encoded, encoded);
  assert.throws(() => fullLengthRows(1, 9, TINY_CONFIG.vocabSize), RangeError);
});
