import assert from "node:assert/strict";
import type { Tensor2D } from "@tensorflow/tfjs";
import type { Batch } from "../data/batch.ts";
import { randomDistilBertWeights } from "../model/random.ts";
import { initTf, TfDistilBert } from "../train/mod.ts";
import { syntheticExamples, TINY_CONFIG } from "../train/_test_support.ts";
import { distill } from "./distill.ts";
import { buildStudent } from "./student.ts";
import { distillationLoss, hiddenStateMse, kdLoss, uniformLayerMap } from "./kd_loss.ts";

const tf = await initTf();

const student = [[1, 0], [0.5, 2]];
const teacher = [[2, -1], [0, 1]];
const labels = [0, 1];

/** The loss computed by hand from its definition, in float64. */
function byHand(temperature: number, alpha: number): number {
  const softmax = (z: number[]) => {
    const e = z.map(Math.exp);
    const s = e[0] + e[1];
    return e.map((x) => x / s);
  };
  let kl = 0;
  let ce = 0;
  for (let r = 0; r < 2; r++) {
    const p = softmax(teacher[r].map((z) => z / temperature));
    const q = softmax(student[r].map((z) => z / temperature));
    kl += p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
    ce += -Math.log(softmax(student[r])[labels[r]]);
  }
  return alpha * temperature ** 2 * (kl / 2) + (1 - alpha) * (ce / 2);
}

/** Two rows of 4 tokens, the second padded. */
function twoRowBatch(): Batch {
  return {
    indices: [0, 1],
    size: 2,
    seqLen: 4,
    inputIds: BigInt64Array.from([2n, 7n, 9n, 3n, 2n, 8n, 3n, 0n]),
    attentionMask: BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n]),
    labels: [1, 0],
  };
}

Deno.test("KD loss equals the hand-computed value (T = 2, α = 0.5)", () => {
  // Row 0: p = softmax([1, −0.5]) = [0.81757, 0.18243], q = softmax([0.5, 0]) = [0.62246, 0.37754]
  // KL₀ = 0.81757·ln(0.81757/0.62246) + 0.18243·ln(0.18243/0.37754) = 0.22287 − 0.13270 = 0.09016
  // Row 1: p = softmax([0, 0.5]) = [0.37754, 0.62246], q = softmax([0.25, 1]) = [0.32082, 0.67918]
  // KL₁ = 0.37754·ln(1.17680) + 0.62246·ln(0.91649) = 0.06147 − 0.05425 = 0.00722
  // CE = (ln(1 + e⁻¹) + ln(1 + e^−1.5)) / 2 = (0.31326 + 0.20141) / 2 = 0.25734
  // loss = 0.5 · 4 · (0.09016 + 0.00722) / 2 + 0.5 · 0.25734 = 0.09738 + 0.12867 = 0.22605
  const expected = byHand(2, 0.5);
  assert.ok(Math.abs(expected - 0.22605) < 5e-5, `by hand: ${expected}`);
  const loss = kdLoss(
    tf.tensor2d(student),
    tf.tensor2d(teacher),
    tf.tensor1d(labels, "int32"),
    { temperature: 2, alpha: 0.5 },
  );
  assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-6, `tfjs: ${loss.dataSync()[0]}`);
  for (const [t, a] of [[1, 0], [4, 1], [8, 0.9]]) {
    const value = kdLoss(tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor1d(labels, "int32"), {
      temperature: t,
      alpha: a,
    }).dataSync()[0];
    assert.ok(Math.abs(value - byHand(t, a)) < 1e-5, `T=${t} α=${a}: ${value} vs ${byHand(t, a)}`);
  }
});

Deno.test("KD gradient is α·T·(q − p)/N + (1 − α)·(softmax(s) − y)/N", () => {
  const [t, alpha] = [2, 0.5];
  const grad = tf.grad((s) =>
    kdLoss(s as Tensor2D, tf.tensor2d(teacher), tf.tensor1d(labels, "int32"), {
      temperature: t,
      alpha,
    })
  )(tf.tensor2d(student)).arraySync() as number[][];
  const softmax = (z: number[]) => {
    const e = z.map(Math.exp);
    return e.map((x) => x / (e[0] + e[1]));
  };
  for (let r = 0; r < 2; r++) {
    const p = softmax(teacher[r].map((z) => z / t));
    const q = softmax(student[r].map((z) => z / t));
    const s = softmax(student[r]);
    for (let k = 0; k < 2; k++) {
      const y = labels[r] === k ? 1 : 0;
      const expected = (alpha * t * (q[k] - p[k]) + (1 - alpha) * (s[k] - y)) / 2;
      assert.ok(Math.abs(grad[r][k] - expected) < 1e-6, `∂/∂s[${r}][${k}]`);
    }
  }
});

Deno.test("distillationLoss picks the teacher rows of batch.indices", () => {
  // Cached rows 0..2; the batch holds rows 2 and 0 in that order.
  const cached = new Float32Array([...teacher[1], 5, 5, ...teacher[0]]);
  const loss = distillationLoss({ teacherLogits: cached, temperature: 2, alpha: 0.5 });
  const batch: Batch = {
    indices: [2, 0],
    size: 2,
    seqLen: 1,
    inputIds: new BigInt64Array(2),
    attentionMask: new BigInt64Array([1n, 1n]),
    labels,
  };
  const value = loss({
    logits: tf.tensor2d(student),
    labels: tf.tensor1d(labels, "int32"),
    batch,
    step: 0,
  }).dataSync()[0];
  assert.ok(Math.abs(value - byHand(2, 0.5)) < 1e-6);
  assert.throws(
    () =>
      loss({
        logits: tf.tensor2d(student),
        labels: tf.tensor1d(labels, "int32"),
        batch: { ...batch, indices: [3, 0] },
        step: 0,
      }),
    /Batch row 3 has no teacher logits \(3 rows cached\)/,
  );
});

Deno.test("hidden-state term: 0 against itself, > 0 against another teacher; needs hidden states", async () => {
  const config = { ...TINY_CONFIG, nLayers: 2 };
  const weights = randomDistilBertWeights(config, { seed: 4, std: 0.2 });
  const model = await TfDistilBert.fromWeights(config, weights);
  const same = await TfDistilBert.fromWeights(config, weights);
  const other = await TfDistilBert.fromWeights(
    config,
    randomDistilBertWeights(config, { seed: 5 }),
  );
  const batch = twoRowBatch();
  const teacherLogits = model.predict(batch);
  const value = (teacher: TfDistilBert) =>
    tf.tidy(() => {
      const out = model.forward(batch, { outputHiddenStates: true });
      const loss = distillationLoss({
        teacherLogits,
        alpha: 1,
        hidden: { teacher, weight: 1 },
      });
      return loss({
        logits: out.logits,
        labels: tf.tensor1d([1, 0], "int32"),
        batch,
        hiddenStates: out.hiddenStates,
        step: 0,
      }).dataSync()[0];
    });
  assert.ok(Math.abs(value(same)) < 1e-6, `self: ${value(same)}`);
  assert.ok(value(other) > 0.1, `other: ${value(other)}`);
  const noStates = distillationLoss({ teacherLogits, hidden: { teacher: same } });
  assert.throws(
    () =>
      tf.tidy(() =>
        noStates({
          logits: model.forward(batch).logits,
          labels: tf.tensor1d([1, 0], "int32"),
          batch,
          step: 0,
        })
      ),
    /outputHiddenStates: true/,
  );
  for (const m of [model, same, other]) m.dispose();
});

Deno.test("distill with hidden states trains the student's hidden states towards the teacher's", async () => {
  const config = { ...TINY_CONFIG, nLayers: 4 };
  const weights = randomDistilBertWeights(config, { seed: 2, std: 0.2 });
  const teacher = await TfDistilBert.fromWeights(config, weights);
  const built = buildStudent(config, weights);
  const student = await TfDistilBert.fromWeights(built.config, built.weights);
  const data = syntheticExamples(40, 1);
  const batch = twoRowBatch();
  const mse = () =>
    tf.tidy(() => {
      const s = student.forward(batch, { outputHiddenStates: true }).hiddenStates!;
      const t = teacher.forward(batch, { outputHiddenStates: true }).hiddenStates!;
      const map = uniformLayerMap(2, 4);
      return hiddenStateMse(s, map.map((j) => t[j]), tf.tensor2d([[1, 1, 1, 1], [1, 1, 1, 0]]))
        .dataSync()[0];
    });
  const before = mse();
  const teacherLogits = new Float32Array(80);
  data.encoded.forEach((e, i) =>
    teacherLogits.set(teacher.predict({ size: 1, seqLen: e.inputIds.length, ...e }), 2 * i)
  );
  const result = await distill(student, data, {
    teacherLogits,
    hidden: { teacher, weight: 10 },
    train: {
      epochs: 3,
      batchSize: 8,
      learningRate: 3e-3,
      progress: false,
      log: false,
      handleSigint: false,
    },
  });
  assert.equal(result.steps, 15);
  const after = mse();
  assert.ok(after < 0.8 * before, `hidden-state MSE ${before} → ${after}`);
  student.dispose();
  teacher.dispose();
});
