import assert from "node:assert/strict";
import { batchMatMul, loadBatchMatMul } from "./simd_matmul.ts";
import { initTf } from "./backend.ts";
import { matMul } from "./ops.ts";
import type { Tensor } from "@tensorflow/tfjs";
import { gemmTest } from "./_gemm_test_support.ts";

/** Row-major reference product in float64. */
function reference(
  a: Float32Array,
  b: Float32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
) {
  const c = new Float64Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    for (let r = 0; r < m; r++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[(i * m + r) * k + p] * b[(i * k + p) * n + j];
        c[(i * m + r) * n + j] = s;
      }
    }
  }
  return c;
}

function seeded(length: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length }, () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648 - 0.5;
  });
}

Deno.test("batchMatMul equals the float64 product on shapes that need padding and on aligned ones", async () => {
  await loadBatchMatMul();
  const shapes = [[1, 1, 1, 1], [3, 5, 7, 9], [2, 4, 1, 8], [16, 77, 64, 77], [8, 64, 80, 64]];
  for (const [batch, m, k, n] of shapes) {
    const a = seeded(batch * m * k, m + k);
    const b = seeded(batch * k * n, n + 1);
    const got = batchMatMul(a, b, { batch, m, k, n });
    const want = reference(a, b, batch, m, k, n);
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++) {
      assert.ok(
        Math.abs(got[i] - want[i]) <= 1e-5 * Math.sqrt(k),
        `[${batch},${m},${k},${n}] @${i}`,
      );
    }
  }
});

Deno.test("batchMatMul reuses its memory across sizes and rejects mismatched inputs", async () => {
  await loadBatchMatMul();
  const big = batchMatMul(seeded(64 * 128 * 64, 1), seeded(64 * 64 * 128, 2), {
    batch: 64,
    m: 128,
    k: 64,
    n: 128,
  });
  assert.equal(big.length, 64 * 128 * 128);
  const small = batchMatMul(Float32Array.of(2), Float32Array.of(3), { batch: 1, m: 1, k: 1, n: 1 });
  assert.deepEqual(Array.from(small), [6]);
  const out = new Float32Array(1);
  const into = batchMatMul(Float32Array.of(2), Float32Array.of(4), {
    batch: 1,
    m: 1,
    k: 1,
    n: 1,
    out,
  });
  assert.equal(into, out);
  assert.deepEqual(Array.from(out), [8]);
  assert.throws(
    () => batchMatMul(new Float32Array(5), new Float32Array(4), { batch: 1, m: 2, k: 2, n: 2 }),
    /A has 5 values/,
  );
});

gemmTest(
  "matMul on 4-D tensors runs the batched kernel and its gradients equal tfjs's own",
  async (backend) => {
    const tf = await initTf();
    const a = tf.tensor4d(seeded(2 * 3 * 5 * 4, 7), [2, 3, 5, 4]);
    const b = tf.tensor4d(seeded(2 * 3 * 4 * 6, 8), [2, 3, 4, 6]);
    const w = tf.tensor4d(seeded(2 * 3 * 5 * 6, 9), [2, 3, 5, 6]);
    type T = typeof a;
    const loss = (f: (x: T, y: T) => T) => (x: Tensor, y: Tensor) =>
      tf.sum(tf.mul(f(x as T, y as T), w));
    const ours = tf.grads(loss((x, y) => matMul(x, y) as T));
    const theirs = tf.grads(loss((x, y) => tf.matMul(x, y)));
    const [ga, gb] = ours([a, b]);
    const [ra, rb] = theirs([a, b]);
    const close = (x: Float32Array, y: Float32Array) =>
      x.every((v, i) => Math.abs(v - y[i]) < 1e-5);
    assert.ok(
      close(matMul(a, b).dataSync() as Float32Array, tf.matMul(a, b).dataSync() as Float32Array),
    );
    assert.ok(close(ga.dataSync() as Float32Array, ra.dataSync() as Float32Array), "dA");
    assert.ok(close(gb.dataSync() as Float32Array, rb.dataSync() as Float32Array), "dB");
    const profile = await tf.profile(() => matMul(a, b));
    const kernels = profile.kernels.map((k) => k.name);
    // WebAssembly: the SIMD kernel; native: tfjs's BatchMatMul, routed to the BLAS (with flags).
    const expected = backend === "wasm" ? "WorkshopBatchMatMul" : "BatchMatMul";
    assert.ok(kernels.includes(expected), `${expected} ran: ${kernels}`);
    tf.dispose([a, b, w, ga, gb, ra, rb]);
  },
);
