import assert from "node:assert/strict";
import type { Tensor } from "@tensorflow/tfjs";
import { initTf } from "./backend.ts";
import { selectGemm } from "./gemm.ts";
import { gemmTest, NATIVE_BLAS_MISSING } from "./_gemm_test_support.ts";
import { loadNativeBlas } from "./native_blas.ts";
import { Rng } from "../random/mod.ts";

const tf = await initTf();

/** A seeded tensor of values in [-0.5, 0.5). */
function random(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const length = shape.reduce((x, y) => x * y, 1);
  return tf.tensor(Float32Array.from({ length }, () => rng.next() - 0.5), shape);
}

/** `op(a) · op(b) (+ bias)` in float64 over the last two axes, batch axes broadcast from size 1. */
function reference(
  a: Tensor,
  b: Tensor,
  options: { transposeA?: boolean; transposeB?: boolean; bias?: Tensor } = {},
): Float64Array {
  const { transposeA = false, transposeB = false } = options;
  const [x, y] = [a.dataSync(), b.dataSync()];
  const bias = options.bias?.dataSync();
  const [ra, rb] = [a.rank, b.rank];
  const [rowsA, colsA] = a.shape.slice(-2);
  const [rowsB, colsB] = b.shape.slice(-2);
  const [m, k] = transposeA ? [colsA, rowsA] : [rowsA, colsA];
  const n = transposeB ? rowsB : colsB;
  const batchA = a.shape.slice(0, ra - 2).reduce((p, q) => p * q, 1);
  const batchB = b.shape.slice(0, rb - 2).reduce((p, q) => p * q, 1);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    const offA = (batchA === 1 ? 0 : i) * rowsA * colsA;
    const offB = (batchB === 1 ? 0 : i) * rowsB * colsB;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let sum = bias ? bias[bias.length === 1 ? 0 : c] : 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? x[offA + p * colsA + r] : x[offA + r * colsA + p];
          const bv = transposeB ? y[offB + c * colsB + p] : y[offB + p * colsB + c];
          sum += av * bv;
        }
        out[(i * m + r) * n + c] = sum;
      }
    }
  }
  return out;
}

function assertClose(got: Tensor, want: Float64Array, k: number, what: string): void {
  const values = got.dataSync();
  assert.equal(values.length, want.length, what);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(values[i] - want[i]));
  assert.ok(worst <= 1e-6 * Math.sqrt(k) + 1e-7, `${what}: max error ${worst}`);
}

gemmTest("tf.matMul equals the float64 product: transposes, batches, broadcast batches", () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[5, 7], [7, 3], false, false],
    [[7, 5], [7, 3], true, false],
    [[5, 7], [3, 7], false, true],
    [[7, 5], [3, 7], true, true],
    [[4, 5, 7], [7, 3], false, false], // batch · one matrix: stacked rows
    [[4, 5, 7], [3, 7], false, true],
    [[4, 7, 5], [7, 3], true, false], // batch · one matrix with A transposed: a loop
    [[5, 7], [4, 7, 3], false, false], // one matrix · batch
    [[2, 3, 5, 7], [2, 3, 7, 3], false, false],
    [[2, 3, 7, 5], [2, 3, 3, 7], true, true],
    [[96, 33, 64], [96, 64, 33], false, false], // many small products (one BLAS thread)
    [[130, 300], [300, 70], false, false], // one larger product (the engine's threads)
    [[3, 0], [0, 4], false, false], // an empty sum: zeros
    [[2, 0, 3], [2, 4, 0], true, true],
  ];
  cases.forEach(([sa, sb, ta, tb], i) => {
    const [a, b] = [random(sa, 2 * i + 1), random(sb, 2 * i + 2)];
    const k = ta ? sa[sa.length - 2] : sa[sa.length - 1];
    const got = tf.matMul(a, b, ta, tb);
    const outer = sa.length >= sb.length ? sa.slice(0, -2) : sb.slice(0, -2);
    assert.deepEqual(got.shape.slice(0, -2), outer, `[${sa}]·[${sb}] batch shape`);
    assertClose(got, reference(a, b, { transposeA: ta, transposeB: tb }), k, `[${sa}]·[${sb}]`);
    tf.dispose([a, b, got]);
  });
});

gemmTest("tf.fused.matMul with a bias equals the float64 product; activations stay exact", () => {
  const [a, b, bias] = [random([6, 9], 1), random([9, 4], 2), random([4], 3)];
  assertClose(tf.fused.matMul({ a, b, bias }), reference(a, b, { bias }), 9, "bias");
  const relu = tf.fused.matMul({ a, b, bias, activation: "relu" });
  const expected = reference(a, b, { bias }).map((v) => Math.max(v, 0));
  assertClose(relu, expected, 9, "relu");
  tf.dispose([a, b, bias, relu]);
});

Deno.test({
  name:
    "native: a transposed right-hand side or a one-value bias is right (the wasm kernel's is not)",
  ignore: NATIVE_BLAS_MISSING !== undefined,
  fn() {
    // tfjs-backend-wasm 4.22's _FusedMatMul with transposeB and a bias writes wrong values from the
    // second row on, and reads a one-value bias as one per column; the engine's ops never ask it
    // for either, the native path computes both right.
    const [a, w, bias, one] = [
      random([3, 5], 7),
      random([4, 5], 8),
      random([4], 9),
      random([1], 6),
    ];
    const want = reference(a, w, { transposeB: true, bias });
    const running = selectGemm({ gemm: "native" }).backend;
    try {
      assertClose(tf.fused.matMul({ a, b: w, transposeB: true, bias }), want, 5, "native");
      const b = random([5, 4], 5);
      const withOne = tf.fused.matMul({ a, b, bias: one });
      assertClose(withOne, reference(a, b, { bias: one }), 5, "one bias");
      tf.dispose([b, withOne]);
      selectGemm({ gemm: "wasm" });
      const wasm = tf.fused.matMul({ a, b: w, transposeB: true, bias }).dataSync();
      assert.ok(
        wasm.some((v, i) => Math.abs(v - want[i]) > 1e-3),
        "the wasm kernel's bug is fixed",
      );
    } finally {
      selectGemm({ gemm: running });
    }
    tf.dispose([a, w, bias, one]);
  },
});

Deno.test({
  name: "native: batched products are right and leave the engine's BLAS thread count set",
  ignore: NATIVE_BLAS_MISSING !== undefined,
  fn() {
    const running = selectGemm({ gemm: "native", threads: 2 });
    try {
      const blas = loadNativeBlas();
      assert.equal(blas.threads, 2);
      assert.equal(running.threads, 2);
      const [a, b] = [random([12, 16, 8], 1), random([12, 8, 16], 2)];
      const product = tf.matMul(a, b);
      assertClose(product, reference(a, b), 8, "batched");
      assert.equal(blas.threads, 2);
      assert.equal(blas.info.threads, 2);
      tf.dispose([a, b, product]);
    } finally {
      selectGemm({});
    }
  },
});
