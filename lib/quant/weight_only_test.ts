import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { createModel, DataType, encodeModel, GraphBuilder, type Model } from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import { dequantizeBlockwise, quantizeBlockwise } from "./block_quant.ts";
import { dequantizeBnb4, FP4_CODE, NF4_CODE, quantizeBnb4 } from "./op_matmul_bnb4.ts";
import { gptqQuantize } from "./gptq.ts";
import { quantizeWeightOnly } from "./weight_only.ts";

function randn(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  return Float32Array.from({ length: n }, () => {
    const u = next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

function linearModel(k: number, n: number, w: Float32Array): Model {
  const b = new GraphBuilder("linear");
  const x = b.input("x", DataType.FLOAT, ["m", k]);
  const weight = b.initializer("fc.weight", DataType.FLOAT, [k, n], w);
  b.output(b.op("MatMul", [x, weight]), DataType.FLOAT, ["m", n], { rename: "y" });
  return createModel(b.build());
}

async function run(model: Model, x: Float32Array, rows: number, k: number): Promise<Float32Array> {
  const s = await createSession(encodeModel(model), { intraOpThreads: 1 });
  try {
    const out = await s.session.run({ x: new ort.Tensor("float32", x, [rows, k]) });
    return out.y.data as Float32Array;
  } finally {
    await s.session.release();
  }
}

function identity(k: number): Float32Array {
  const x = new Float32Array(k * k);
  for (let i = 0; i < k; i++) x[i * k + i] = 1;
  return x;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function matmul(x: Float32Array, w: Float32Array, rows: number, k: number, n: number) {
  const y = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i++) {
      const xv = x[r * k + i];
      for (let c = 0; c < n; c++) y[r * n + c] += xv * w[i * n + c];
    }
  }
  return y;
}

const K = 80; // not a multiple of the blocks: the last block is padded
const N = 6;
const W = randn(1, K * N);

for (const bits of [4, 8] as const) {
  for (const symmetric of [true, false]) {
    Deno.test(`MatMulNBits ${bits}-bit ${symmetric ? "sym" : "asym"}: ORT dequantizes to the kit's reference for blocks 16–128`, async () => {
      for (const blockSize of [16, 32, 64, 128]) {
        const ref = dequantizeBlockwise(
          quantizeBlockwise(W, { k: K, n: N }, { bits, blockSize, symmetric }),
        );
        const { model } = quantizeWeightOnly(linearModel(K, N, W), { bits, blockSize, symmetric });
        assert.equal(model.graph.nodes[0].opType, "MatMulNBits");
        // x = I: the output is the weight ORT uses.
        const seen = await run(model, identity(K), K, K);
        assert.ok(maxDiff(seen, ref) < 1e-6, `block ${blockSize}: ${maxDiff(seen, ref)}`);
        // Error of the weights: within half a step of each block (RTN).
        const err = maxDiff(ref, W);
        assert.ok(err > 0 && err < (bits === 4 ? 0.5 : 0.03), `block ${blockSize}: ${err}`);
        const x = randn(7, 5 * K);
        const y = await run(model, x, 5, K);
        assert.ok(maxDiff(y, matmul(x, ref, 5, K, N)) < 1e-4);
      }
    });
  }
}

Deno.test("MatMulNBits accuracy_level 4 (int8 compute) follows the float reference", async () => {
  const opts = { bits: 4, blockSize: 32, accuracyLevel: 4 } as const;
  const ref = dequantizeBlockwise(quantizeBlockwise(W, { k: K, n: N }, opts));
  const { model } = quantizeWeightOnly(linearModel(K, N, W), opts);
  const x = randn(9, 5 * K);
  const y = await run(model, x, 5, K);
  const exact = matmul(x, ref, 5, K, N);
  const scale = Math.max(...exact.map(Math.abs));
  assert.ok(maxDiff(y, exact) < 0.02 * scale, `${maxDiff(y, exact)} of ${scale}`);
});

for (const [name, code] of [["nf4", NF4_CODE], ["fp4", FP4_CODE]] as const) {
  Deno.test(`MatMulBnb4 ${name}: ORT dequantizes to the kit's reference`, async () => {
    const o = { k: K, n: N, blockSize: 64, code };
    const ref = dequantizeBnb4(quantizeBnb4(W, o), o);
    const { model } = quantizeWeightOnly(linearModel(K, N, W), {
      format: "bnb4",
      bnb4: { blockSize: 64, quantType: name },
    });
    assert.equal(model.graph.nodes[0].opType, "MatMulBnb4");
    const seen = await run(model, identity(K), K, K);
    assert.ok(maxDiff(seen, ref) < 1e-6, `${maxDiff(seen, ref)}`);
    assert.ok(maxDiff(ref, W) < 0.6);
  });
}

Deno.test("GatherBlockQuantized: ORT gathers the kit's dequantized 4-bit rows", async () => {
  const rows = 10;
  const dim = 64;
  const table = randn(3, rows * dim);
  const b = new GraphBuilder("emb");
  const ids = b.input("ids", DataType.INT64, ["m"]);
  const t = b.initializer("emb.weight", DataType.FLOAT, [rows, dim], table);
  b.output(b.op("Gather", [t, ids]), DataType.FLOAT, ["m", dim], { rename: "y" });
  const { model } = quantizeWeightOnly(createModel(b.build()), { embeddings: "q4" });
  assert.equal(model.graph.nodes[0].opType, "GatherBlockQuantized");
  const ref = dequantizeBlockwise(
    quantizeBlockwise(table, { k: rows * dim, n: 1 }, { bits: 4, blockSize: 32 }),
  );
  const s = await createSession(encodeModel(model), { intraOpThreads: 1 });
  const order = [3, 0, 9, 3];
  const out = await s.session.run({
    ids: new ort.Tensor("int64", BigInt64Array.from(order, BigInt), [order.length]),
  });
  await s.session.release();
  const want = order.flatMap((r) => [...ref.subarray(r * dim, (r + 1) * dim)]);
  assert.ok(maxDiff(out.y.data as Float32Array, want) < 1e-6);
});

Deno.test("GPTQ reduces the layer's output error against RTN on calibration data", () => {
  const k = 128;
  const n = 32;
  const rows = 512;
  // Correlated inputs with a few large channels, as real activations have.
  const base = randn(11, rows * 8);
  const mix = randn(12, 8 * k);
  const x = matmul(base, mix, rows, 8, k);
  const noise = randn(13, rows * k);
  for (let i = 0; i < x.length; i++) x[i] += 0.3 * noise[i] * (i % k < 4 ? 10 : 1);
  const h = new Float64Array(k * k);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) h[i * k + j] += x[r * k + i] * x[r * k + j];
    }
  }
  const w = randn(14, k * n);
  const y = matmul(x, w, rows, k, n);
  const err = (wq: Float32Array) => {
    const yq = matmul(x, wq, rows, k, n);
    let e = 0;
    for (let i = 0; i < y.length; i++) e += (y[i] - yq[i]) ** 2;
    return e / y.length;
  };
  for (const blockSize of [32, 128]) {
    const opts = { bits: 4, blockSize } as const;
    const rtn = err(dequantizeBlockwise(quantizeBlockwise(w, { k, n }, opts)));
    const gptq = err(dequantizeBlockwise(gptqQuantize(w, h, { k, n }, opts)));
    console.log(`block ${blockSize}: output MSE RTN ${rtn.toFixed(4)}, GPTQ ${gptq.toFixed(4)}`);
    assert.ok(gptq < 0.8 * rtn, `block ${blockSize}: GPTQ ${gptq} vs RTN ${rtn}`);
  }
});
