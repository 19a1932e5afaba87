import assert from "node:assert/strict";
import type { Scalar } from "@tensorflow/tfjs";
import { makeBatches } from "../data/batch.ts";
import { randomDistilBertWeights } from "../model/random.ts";
import { initTf } from "./backend.ts";
import { TfDistilBert } from "./distilbert.ts";
import { crossEntropy } from "./loss.ts";
import { linear, matMul } from "./ops.ts";
import { Rng } from "../random/mod.ts";
import { syntheticExamples, TINY_CONFIG } from "./_test_support.ts";
import { gemmTest } from "./_gemm_test_support.ts";

const tf = await initTf();

gemmTest("linear and matMul gradients equal tfjs's own ops", () => {
  const rng = new Rng(5);
  const rand = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.next() - 0.5),
      shape,
    );
  const [x, w, b] = [rand([5, 4]), rand([3, 4]), rand([3])];
  const dy = rand([5, 3]);
  const ours = tf.grads((x, w, b) =>
    tf.sum(tf.mul(linear(x as never, w as never, b as never), dy))
  )([x, w, b]);
  const theirs = tf.grads((x, w, b) => tf.sum(tf.mul(tf.add(tf.matMul(x, w, false, true), b), dy)))(
    [x, w, b],
  );
  ours.forEach((g, i) => assertClose(g.dataSync(), theirs[i].dataSync(), 1e-6));
  const [p, q, dz] = [rand([2, 3, 4, 5]), rand([2, 3, 5, 2]), rand([2, 3, 4, 2])];
  const ours2 = tf.grads((p, q) => tf.sum(tf.mul(matMul(p, q), dz)))([p, q]);
  const theirs2 = tf.grads((p, q) => tf.sum(tf.mul(tf.matMul(p, q), dz)))([p, q]);
  ours2.forEach((g, i) => assertClose(g.dataSync(), theirs2[i].dataSync(), 1e-6));
});

gemmTest(
  "DistilBERT gradients match central finite differences (tiny config, dropout on)",
  async () => {
    const weights = randomDistilBertWeights(TINY_CONFIG, { seed: 11, std: 0.3 });
    const model = await TfDistilBert.fromWeights(TINY_CONFIG, weights);
    const { encoded, labels } = syntheticExamples(3, 4);
    const [batch] = makeBatches(encoded, labels, { batchSize: 3 }); // rows of different lengths: padding
    assert.ok(batch.attentionMask.includes(0n));
    const labelTensor = tf.tensor1d(batch.labels, "int32");
    const loss = () =>
      crossEntropy(model.forward(batch, { training: true, dropoutSeed: 9 }).logits, labelTensor);
    const variables = model.trainableVariables();
    const { grads } = tf.variableGrads(loss as () => Scalar, variables);
    const rng = new Rng(1);
    const eps = 1e-2;
    const checked: string[] = [];
    for (const [name, variable] of model.variables) {
      const original = variable.dataSync() as Float32Array;
      const direction = Float32Array.from(original, () => rng.next() - 0.5);
      const at = (t: number) => {
        tf.tidy(() =>
          variable.assign(
            tf.tensor(original.map((x, i) => x + t * direction[i]), variable.shape, "float32"),
          )
        );
        return tf.tidy(() => loss().dataSync()[0]);
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      at(0);
      const g = grads[variable.name].dataSync();
      let analytic = 0;
      for (let i = 0; i < g.length; i++) analytic += g[i] * direction[i];
      if (Deno.env.get("DEBUG_FD")) console.log(name, analytic, numeric);
      const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-2);
      assert.ok(
        Math.abs(analytic - numeric) / scale < 5e-3,
        `${name}: analytic ${analytic} vs finite difference ${numeric}`,
      );
      checked.push(name);
    }
    assert.equal(checked.length, 24);
    tf.dispose([labelTensor, ...Object.values(grads)]);
    model.dispose();
  },
);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}
