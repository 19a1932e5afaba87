import assert from "node:assert/strict";
import { NATIVE_BLAS_MISSING } from "./_gemm_test_support.ts";
import { loadNativeBlas, nativeBlasCandidates } from "./native_blas.ts";

const ignore = NATIVE_BLAS_MISSING !== undefined;

Deno.test({
  name: "sgemm works in place on views of WebAssembly memory, shared (threaded tfjs) or not",
  ignore,
  fn() {
    const blas = loadNativeBlas();
    for (const shared of [false, true]) {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared });
      const heap = new Float32Array(memory.buffer);
      heap.set([1, 2, 3, 4, 5, 6], 10); // A [2, 3] at float 10
      heap.set([1, 0, 0, 1, 1, 1], 40); // B [3, 2] at float 40
      heap.fill(1, 80, 84); // C [2, 2] at float 80, accumulated into
      const view = (at: number, length: number) => new Float32Array(memory.buffer, at * 4, length);
      blas.sgemm({
        m: 2,
        n: 2,
        k: 3,
        a: view(10, 6),
        b: view(40, 6),
        c: view(80, 4),
        alpha: 2,
        beta: 1,
      });
      assert.deepEqual(Array.from(heap.subarray(80, 84)), [9, 11, 21, 23], `shared ${shared}`);
      assert.deepEqual(Array.from(heap.subarray(84, 86)), [0, 0], "nothing written past C");
    }
  },
});

Deno.test({
  name: "sgemmBatch strides, transposes and size checks",
  ignore,
  fn() {
    const blas = loadNativeBlas();
    // A stored transposed ([k, m] = [2, 1] per item), B broadcast ([n, k] = [1, 2], transposed)
    const c = new Float32Array(3);
    blas.sgemmBatch({
      batch: 3,
      m: 1,
      n: 1,
      k: 2,
      a: Float32Array.of(1, 2, 3, 4, 5, 6),
      b: Float32Array.of(10, 100),
      strideB: 0,
      c,
      transA: true,
      transB: true,
    });
    assert.deepEqual(Array.from(c), [210, 430, 650]);
    assert.throws(
      () =>
        blas.sgemmBatch({
          batch: 2,
          m: 2,
          n: 2,
          k: 2,
          a: new Float32Array(4),
          b: new Float32Array(8),
          c: new Float32Array(8),
        }),
      /A has 4 values.*needs 8/,
    );
    assert.throws(
      () =>
        blas.sgemm({
          m: -1,
          n: 1,
          k: 1,
          a: new Float32Array(1),
          b: new Float32Array(1),
          c: new Float32Array(1),
        }),
      RangeError,
    );
    assert.throws(() => blas.setThreads(0), RangeError);
  },
});

Deno.test({
  name: "loadNativeBlas opens a library once and reports it",
  ignore,
  fn() {
    const blas = loadNativeBlas({ threads: 1 });
    assert.equal(loadNativeBlas(), blas);
    assert.ok(nativeBlasCandidates().includes(blas.info.library), blas.info.library);
    assert.match(blas.info.description, /\S/);
    assert.equal(blas.threads, 1);
  },
});
