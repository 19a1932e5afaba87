import assert from "node:assert/strict";
import { agreementWith, argmaxRows, classificationMetrics, MetricsError } from "./metrics.ts";

Deno.test("metrics equal a hand computation on a fixed set", () => {
  // labels:      1 1 1 1 0 0 0 1 0 1
  // predictions: 1 1 0 1 0 1 0 1 1 1
  // tp = 5 (rows 0,1,3,7,9), fn = 1 (row 2), fp = 2 (rows 5,8), tn = 2 (rows 4,6)
  const m = classificationMetrics({
    labels: [1, 1, 1, 1, 0, 0, 0, 1, 0, 1],
    predictions: [1, 1, 0, 1, 0, 1, 0, 1, 1, 1],
  });
  assert.equal(m.count, 10);
  assert.equal(m.accuracy, 7 / 10);
  assert.equal(m.precision, 5 / 7);
  assert.equal(m.recall, 5 / 6);
  assert.ok(Math.abs(m.f1 - (2 * 5) / (2 * 5 + 2 + 1)) < 1e-12); // 2tp / (2tp + fp + fn)
  assert.deepEqual(m.confusion, [[2, 2], [1, 5]]);
});

Deno.test("unlabelled rows (-1) are skipped and mismatched lengths are refused", () => {
  const m = classificationMetrics({ labels: [-1, 1, 0], predictions: [0, 1, 0] });
  assert.equal(m.count, 2);
  assert.equal(m.accuracy, 1);
  assert.throws(
    () => classificationMetrics({ labels: [1], predictions: [1, 0] }),
    MetricsError,
  );
});

Deno.test("argmax and agreement over logit rows", () => {
  assert.deepEqual([...argmaxRows([0.1, 0.9, 2, -1, 0, 0], 2)], [1, 0, 0]);
  const a = agreementWith({
    logits: [0.5, 1, 1, 0.25],
    reference: [0, 1, 0, 1],
    numLabels: 2,
  });
  assert.equal(a.agreement, 0.5);
  assert.equal(a.maxAbsLogitError, 1);
  assert.equal(a.meanAbsLogitError, (0.5 + 0 + 1 + 0.75) / 4);
});
