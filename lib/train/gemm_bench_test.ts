import assert from "node:assert/strict";
import { initTf } from "./backend.ts";
import { ENGINE_GEMM_SHAPES, timeGemm } from "./gemm_bench.ts";
import { gemmTest } from "./_gemm_test_support.ts";

const tf = await initTf();

gemmTest("timeGemm times 2-D and batched products on the running backend", (backend) => {
  const before = tf.memory().numTensors;
  for (const shape of [{ m: 64, k: 32, n: 48 }, { batch: 6, m: 16, k: 8, n: 24 }]) {
    const timing = timeGemm(shape, { reps: 3 });
    assert.equal(timing.backend, backend);
    assert.equal(timing.batch, shape.batch ?? 1);
    assert.ok(timing.medianMs > 0);
    const flops = 2 * timing.batch * shape.m * shape.k * shape.n;
    assert.ok(Math.abs(timing.gflops - flops / timing.medianMs / 1e6) < 1e-9 * timing.gflops);
  }
  assert.equal(tf.memory().numTensors, before, "operands and products are disposed");
  assert.throws(() => timeGemm({ m: 1, k: 1, n: 1 }, { reps: 0 }), RangeError);
});

Deno.test("the engine's GEMM shapes are full-size DistilBERT's at batch 8 × 128", () => {
  assert.deepEqual(ENGINE_GEMM_SHAPES["feed-forward linear"], { m: 8 * 128, k: 768, n: 3072 });
  assert.deepEqual(ENGINE_GEMM_SHAPES["attention scores"], {
    batch: 8 * 12,
    m: 128,
    k: 64,
    n: 128,
  });
});
