import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs";
import { AdamW, OptimizerStateError } from "./adamw.ts";
import { initTf } from "./backend.ts";
import { clipByGlobalNorm } from "./clip.ts";
import { linearWarmupDecay } from "./schedule.ts";

const tf = await initTf();

/** torch.optim.AdamW's update, in float64. */
function adamwReference(
  p0: number[],
  gradients: number[][],
  lrs: number[],
  o: { beta1: number; beta2: number; eps: number; wd: number },
): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradients.forEach((g, s) => {
    const t = s + 1;
    const lr = lrs[s];
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * o.wd;
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i];
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i];
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - o.beta2 ** t) + o.eps;
      p[i] -= (lr / (1 - o.beta1 ** t)) * (m[i] / denom);
    }
  });
  return p;
}

Deno.test("AdamW matches a hand computation; biases and LayerNorm weights do not decay", () => {
  const options = { beta1: 0.8, beta2: 0.95, eps: 1e-6, wd: 0.1 };
  const w0 = [0.5, -1.5, 2];
  const b0 = [0.25, -0.75];
  const w = tf.variable(tf.tensor1d(w0));
  const b = tf.variable(tf.tensor1d(b0));
  const ln = tf.variable(tf.tensor1d([1]));
  const optimizer = new AdamW(
    new Map([["lin.weight", w], ["lin.bias", b], ["x.LayerNorm.weight", ln]]),
    { beta1: options.beta1, beta2: options.beta2, epsilon: options.eps, weightDecay: options.wd },
  );
  const gw = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.1, 0.2]];
  const gb = [[1, -1], [0.5, 0.25], [-2, 0.1]];
  const lrs = [0.1, 0.05, 0.02];
  for (let s = 0; s < 3; s++) {
    const grads = new Map([
      ["lin.weight", tf.tensor1d(gw[s])],
      ["lin.bias", tf.tensor1d(gb[s])],
      ["x.LayerNorm.weight", tf.tensor1d([0])],
    ]);
    optimizer.apply(grads, lrs[s]);
    tf.dispose([...grads.values()]);
  }
  assert.equal(optimizer.step, 3);
  const expectW = adamwReference(w0, gw, lrs, options);
  const expectB = adamwReference(b0, gb, lrs, { ...options, wd: 0 });
  const close = (a: ArrayLike<number>, e: number[]) =>
    e.forEach((x, i) => assert.ok(Math.abs(a[i] - x) < 2e-6, `${a[i]} vs ${x}`));
  close(w.dataSync(), expectW);
  close(b.dataSync(), expectB);
  // A zero gradient and no decay leave the LayerNorm weight where it was.
  assert.equal(ln.dataSync()[0], 1);
  // Decay alone would have moved the weights: the two references differ.
  assert.ok(Math.abs(adamwReference(w0, gw, lrs, { ...options, wd: 0 })[0] - expectW[0]) > 1e-3);

  const saved = optimizer.state();
  const restored = new AdamW(
    new Map([["lin.weight", w], ["lin.bias", b], ["x.LayerNorm.weight", ln]]),
  );
  restored.loadState(saved);
  assert.equal(restored.step, 3);
  assert.deepEqual(restored.state(), saved);
  const other = new AdamW(new Map([["other.weight", w]]));
  assert.throws(() => other.loadState(saved), OptimizerStateError);
  for (const o of [optimizer, restored, other]) o.dispose();
  tf.dispose([w, b, ln]);
});

Deno.test("linear warm-up then decay, as Hugging Face's schedule", () => {
  const lr = linearWarmupDecay({ peak: 2e-5, warmupSteps: 3, totalSteps: 13 });
  const values = Array.from({ length: 14 }, (_, s) => lr(s));
  const expected = [0, 2 / 3, 4 / 3, 2, 1.8, 1.6, 1.4, 1.2, 1, 0.8, 0.6, 0.4, 0.2, 0].map((x) =>
    x * 1e-5
  );
  values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `step ${i}: ${v}`));
  assert.equal(linearWarmupDecay({ peak: 1, warmupSteps: 0, totalSteps: 4 })(0), 1);
  assert.throws(() => linearWarmupDecay({ peak: 1, warmupSteps: 0, totalSteps: 0 }), RangeError);
});

Deno.test("clipping by global norm scales all gradients together, only above the limit", () => {
  const grads = new Map<string, Tensor>([["a", tf.tensor1d([3, 0])], ["b", tf.tensor2d([[0, 4]])]]);
  const clipped = clipByGlobalNorm(grads, 2.5);
  assert.ok(Math.abs(clipped.norm - 5) < 1e-6);
  assert.ok(Math.abs(clipped.scale - 2.5 / (5 + 1e-6)) < 1e-12);
  assert.ok(Math.abs(clipped.grads.get("a")!.dataSync()[0] - 1.5) < 1e-5);
  assert.ok(Math.abs(clipped.grads.get("b")!.dataSync()[1] - 2) < 1e-5);
  const untouched = clipByGlobalNorm(grads, 10);
  assert.equal(untouched.scale, 1);
  assert.equal(untouched.grads.get("a"), grads.get("a"));
  assert.throws(() => clipByGlobalNorm(grads, 0), RangeError);
  tf.dispose([...grads.values(), ...clipped.grads.values()]);
});
