import assert from "node:assert/strict";
import { Rng } from "../random/mod.ts";
import {
  agreementMatrix,
  binomialTwoSided,
  bootstrapClassification,
  compareVariants,
  mcnemarExact,
  medianInterval,
  predictionFlips,
  speedupInterval,
} from "./mod.ts";

Deno.test("bootstrap intervals are the same for the same seed and differ for another", () => {
  const rng = new Rng(7);
  const labels = Array.from({ length: 200 }, () => rng.int(2));
  const a = labels.map((l) => (rng.next() < 0.8 ? l : 1 - l));
  const b = a.map((p) => (rng.next() < 0.02 ? 1 - p : p));
  const run = (seed: number) =>
    bootstrapClassification({
      labels,
      predictions: { fp32: a, int8: b },
      reference: "fp32",
      seed,
      resamples: 500,
    });
  assert.deepEqual(run(3), run(3));
  assert.notDeepEqual(run(3).int8.accuracy, run(4).int8.accuracy);
  const ci = run(3);
  assert.ok(ci.fp32.accuracy.low < ci.fp32.accuracy.estimate);
  assert.ok(ci.fp32.accuracy.estimate < ci.fp32.accuracy.high);
  // Paired deltas are much narrower than the accuracy interval itself.
  const width = (i: { low: number; high: number }) => i.high - i.low;
  assert.ok(width(ci.int8.accuracyDelta!) < width(ci.int8.accuracy) / 2);
});

Deno.test("95% bootstrap intervals cover the true accuracy and F1 at about the nominal rate", () => {
  // 200 synthetic MRPC-sized datasets: labels 68% positive, a classifier right 80% of the time
  // (true accuracy 0.8; true F1 from its expected confusion matrix).
  const p = 0.68, acc = 0.8, n = 408, datasets = 200;
  const tp = p * acc, fn = p * (1 - acc), fp = (1 - p) * (1 - acc);
  const trueF1 = (2 * tp) / (2 * tp + fp + fn);
  let coverAcc = 0;
  let coverF1 = 0;
  const rng = new Rng(2024);
  for (let d = 0; d < datasets; d++) {
    const labels = Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
    const predictions = labels.map((l) => (rng.next() < acc ? l : 1 - l));
    const ci = bootstrapClassification({
      labels,
      predictions: { m: predictions },
      seed: d,
      resamples: 400,
    }).m;
    if (ci.accuracy.low <= acc && acc <= ci.accuracy.high) coverAcc++;
    if (ci.f1.low <= trueF1 && trueF1 <= ci.f1.high) coverF1++;
  }
  assert.ok(coverAcc >= 180 && coverAcc <= 198, `accuracy covered ${coverAcc}/200`);
  assert.ok(coverF1 >= 180 && coverF1 <= 198, `F1 covered ${coverF1}/200`);
});

Deno.test("the bootstrap leaves out withheld labels and checks lengths", () => {
  const ci = bootstrapClassification({
    labels: [1, -1, 0],
    predictions: { m: [1, 0, 0] },
    resamples: 50,
  });
  assert.equal(ci.m.accuracy.estimate, 1);
  assert.throws(
    () => bootstrapClassification({ labels: [1, 0], predictions: { m: [1] } }),
    /m has 1 predictions for 2 labels/,
  );
});

Deno.test("exact McNemar: Fagerland, Lydersen & Laake (2013), airway hyper-responsiveness", () => {
  // BMC Med Res Methodol 13:91, Table 1 (Bentur et al. 2009): 21 children, 1 discordant pair one
  // way and 7 the other; the exact conditional test gives p = 0.070 (= 18/256).
  const labels: number[] = [];
  const reference: number[] = [];
  const candidate: number[] = [];
  const add = (count: number, r: boolean, c: boolean) => {
    for (let i = 0; i < count; i++) {
      labels.push(1);
      reference.push(r ? 1 : 0);
      candidate.push(c ? 1 : 0);
    }
  };
  add(1, true, true);
  add(1, true, false);
  add(7, false, true);
  add(12, false, false);
  const t = mcnemarExact({ labels, reference, candidate });
  assert.deepEqual([t.referenceOnly, t.candidateOnly, t.discordant], [1, 7, 8]);
  assert.equal(t.pValue, 18 / 256);
  assert.equal(Number(t.pValue.toFixed(3)), 0.070);
});

Deno.test("binomialTwoSided matches direct sums and stays finite for large n", () => {
  // P(X ≤ 2) for Bin(10, ½) = (1 + 10 + 45) / 1024, doubled.
  assert.equal(binomialTwoSided(2, 10), (2 * 56) / 1024);
  assert.equal(binomialTwoSided(8, 10), (2 * 56) / 1024);
  assert.equal(binomialTwoSided(5, 10), 1);
  const big = binomialTwoSided(1000, 2100);
  assert.ok(big > 0 && big < 0.05, `p ${big}`);
  assert.ok(Math.abs(binomialTwoSided(500, 1000) - 1) < 1e-12);
});

Deno.test("flips on known predictions: indices, fixed and broken, agreement matrix", () => {
  const labels = [1, 1, 0, 0, 1, 0];
  const fp32 = [1, 0, 0, 1, 1, 0];
  const int8 = [1, 1, 0, 0, 0, 0];
  const s = predictionFlips({ labels, reference: fp32, candidate: int8 });
  assert.deepEqual(s.flips.map((f) => [f.index, f.from, f.to]), [[1, 0, 1], [3, 1, 0], [4, 1, 0]]);
  assert.deepEqual([s.fixed, s.broken], [2, 1]);
  const m = agreementMatrix({ fp32, int8, fp16: fp32 });
  assert.deepEqual(m.matrix, [[1, 0.5, 1], [0.5, 1, 0.5], [1, 0.5, 1]]);
});

Deno.test("compareVariants on known logits: flips, margins, McNemar and fragile rows", () => {
  const labels = [1, 0, 1, 0];
  // fp32 predicts [1, 0, 1, 1]; int8 flips row 3 (fixing it) and nearly flips row 0.
  const fp32 = [0, 2, 1, 0, 0, 3, 0, 0.5];
  const int8 = [0, 0.1, 1, 0, 0, 3, 0.2, 0];
  const c = compareVariants({
    labels,
    numLabels: 2,
    resamples: 200,
    reference: { name: "fp32", logits: fp32 },
    candidates: [{ name: "int8", logits: int8 }],
    texts: labels.map((_, i) => ({ sentence1: `s${i}a`, sentence2: `s${i}b` })),
  });
  const int8c = c.candidates.int8;
  assert.deepEqual(int8c.flipped, [3]);
  assert.deepEqual([int8c.fixed, int8c.broken], [1, 0]);
  assert.deepEqual(int8c.marginShift, [-1.9, 0, 0, -0.7]);
  assert.deepEqual([int8c.mcnemar.candidateOnly, int8c.mcnemar.pValue], [1, 1]);
  assert.deepEqual(c.fragile.map((r) => r.index), [3, 0, 1, 2]);
  assert.equal(c.fragile[0].sentence1, "s3a");
  assert.equal(c.intervals.int8.accuracy.estimate, 1);
  assert.equal(c.intervals.int8.accuracyDelta!.estimate, 0.25);
});

Deno.test("median interval by order statistics; speed-up of paired runs", () => {
  const samples = Array.from({ length: 100 }, (_, i) => i + 1);
  const ci = medianInterval(samples);
  // Bin(100, ½): P(X ≤ 39) = 0.0176 ≤ 0.025 < P(X ≤ 40) = 0.0284 → ranks 40 and 61.
  assert.deepEqual([ci.low, ci.estimate, ci.high], [40, 50.5, 61]);
  assert.deepEqual(medianInterval([3, 1, 2]), { estimate: 2, low: 1, high: 3, level: 0.95 });
  const rng = new Rng(1);
  const reference = Array.from({ length: 40 }, () => 10 + 5 * rng.next());
  const candidate = reference.map((r) => r / (1.5 + 0.1 * (rng.next() - 0.5)));
  const s = speedupInterval({ reference, candidate });
  assert.ok(s.low > 1.45 && s.high < 1.55 && s.low < s.estimate, JSON.stringify(s));
  assert.throws(() => speedupInterval({ reference: [1], candidate: [] }), /pair runs/);
});
