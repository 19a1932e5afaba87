import assert from "node:assert/strict";
import { u8s8Accumulation } from "../runtime/cpu_features.ts";
import { DataType } from "../onnx/mod.ts";
import { buildNodeModel, firstBitDifference, runInOrt } from "./_onnx_test_support.ts";
import { matMulInteger, qlinearMatMul } from "./integer_matmul.ts";
import { QuantParamsError, type QuantType, roundHalfToEven } from "./params.ts";
import { mulberry32 } from "../random/mod.ts";

function randomInts(random: () => number, type: QuantType, n: number): Int8Array | Uint8Array {
  const values = Array.from(
    { length: n },
    () => Math.floor(random() * 256) - (type === "int8" ? 128 : 0),
  );
  return type === "int8" ? Int8Array.from(values) : Uint8Array.from(values);
}

/** out[i, j] for plain 2-D matrices with scalar zero points, written index by index. */
function naive2d(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  [M, K, N]: number[],
  aZp: number,
  bZp: number,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (a[i * K + k] - aZp) * (b[k * N + j] - bZp);
      out.push(s);
    }
  }
  return out;
}

Deno.test("matMulInteger: int32 sums of zero-point-shifted products", () => {
  const random = mulberry32(30);
  for (const [ta, tb] of [["uint8", "uint8"], ["uint8", "int8"], ["int8", "int8"]] as const) {
    const [M, K, N] = [5, 9, 4];
    const a = randomInts(random, ta, M * K);
    const b = randomInts(random, tb, K * N);
    const { y, dims } = matMulInteger({
      a,
      aDims: [M, K],
      b,
      bDims: [K, N],
      aZeroPoint: 3,
      bZeroPoint: -2,
    });
    assert.deepEqual(dims, [M, N]);
    assert.deepEqual([...y], naive2d(a, b, [M, K, N], 3, -2), `${ta} × ${tb}`);
  }
});

Deno.test("matMulInteger: per-row a and per-column b zero points", () => {
  const a = new Uint8Array([1, 2, 3, 4, 5, 6]); // [2, 3]
  const b = new Uint8Array([1, 0, 0, 1, 1, 1]); // [3, 2]
  const { y } = matMulInteger({
    a,
    aDims: [2, 3],
    b,
    bDims: [3, 2],
    aZeroPoint: [1, 4],
    bZeroPoint: [0, 1],
  });
  // a - zp = [[0, 1, 2], [0, 1, 2]]; b - zp = [[1, -1], [0, 0], [1, 0]]
  assert.deepEqual([...y], [2, 0, 2, 0]);
  assert.throws(
    () => matMulInteger({ a, aDims: [2, 3], b, bDims: [3, 2], aZeroPoint: [1, 2, 3] }),
    (e) =>
      e instanceof QuantParamsError &&
      /aZeroPoint has 3 values; pass one \(per tensor\) or 2/.test(e.message),
  );
});

Deno.test("matMulInteger: batch broadcasting and 1-D operands follow numpy matmul", () => {
  const random = mulberry32(31);
  const [M, K, N] = [2, 3, 4];
  const a = randomInts(random, "uint8", 2 * 1 * M * K); // [2, 1, M, K]
  const b = randomInts(random, "int8", 3 * K * N); // [3, K, N]
  const { y, dims } = matMulInteger({ a, aDims: [2, 1, M, K], b, bDims: [3, K, N], aZeroPoint: 7 });
  assert.deepEqual(dims, [2, 3, M, N]);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      const want = naive2d(
        a.subarray(i * M * K, (i + 1) * M * K),
        b.subarray(j * K * N, (j + 1) * K * N),
        [
          M,
          K,
          N,
        ],
        7,
        0,
      );
      const start = (i * 3 + j) * M * N;
      assert.deepEqual([...y.subarray(start, start + M * N)], want, `batch (${i}, ${j})`);
    }
  }
  const v = matMulInteger({
    a: new Uint8Array([1, 2]),
    aDims: [2],
    b: new Uint8Array([3, 4]),
    bDims: [2],
  });
  assert.deepEqual([v.dims, [...v.y]], [[], [11]]);
  const mv = matMulInteger({
    a: new Uint8Array([1, 2, 3, 4]),
    aDims: [2, 2],
    b: new Uint8Array([1, 1]),
    bDims: [2],
  });
  assert.deepEqual([mv.dims, [...mv.y]], [[2], [3, 7]]);
  assert.throws(
    () => matMulInteger({ a, aDims: [2, 1, M, K], b, bDims: [3, N, K] }),
    (e) => e instanceof QuantParamsError && /inner dimensions differ/.test(e.message),
  );
});

Deno.test("matMulInteger wraps on int32 overflow like the C++ kernels", () => {
  const K = 40000; // 40000 * 255 * 255 = 2,601,000,000 > 2^31 - 1
  const { y } = matMulInteger({
    a: new Uint8Array(K).fill(255),
    aDims: [1, K],
    b: new Uint8Array(K).fill(255),
    bDims: [K, 1],
  });
  assert.equal(y[0], (K * 255 * 255) | 0);
  assert.equal(y[0], -1693967296);
});

Deno.test("qlinearMatMul: requantized in float32, ties to even, saturated", () => {
  // acc = [5, 3, -5, 1000] via a 1x1 product; multiplier 0.5 → 2.5, 1.5, -2.5, 500
  const acc = [5, 3, -5, 1000];
  const out = acc.map((v) =>
    qlinearMatMul({
      a: new Int8Array([v > 0 ? 1 : -1]),
      aDims: [1, 1],
      aScale: 1,
      aZeroPoint: 0,
      b: new Int8Array([0]),
      bDims: [1, 1],
      bScale: 0.5,
      bZeroPoint: -Math.abs(v),
      yScale: 1,
      yZeroPoint: 10,
    }).y[0]
  );
  assert.deepEqual(out, [12, 12, 8, 127]); // 2.5 → 2, 1.5 → 2, -2.5 → -2, saturated
  const random = mulberry32(32);
  const [M, K, N] = [3, 16, 5];
  const a = randomInts(random, "uint8", M * K);
  const b = randomInts(random, "int8", K * N);
  const bScale = Float32Array.from({ length: N }, () => random() * 0.01);
  const { y } = qlinearMatMul({
    a,
    aDims: [M, K],
    aScale: 0.02,
    aZeroPoint: 120,
    b,
    bDims: [K, N],
    bScale,
    bZeroPoint: 0,
    yScale: 0.05,
    yZeroPoint: 128,
  });
  const f = Math.fround;
  const acc2 = naive2d(a, b, [M, K, N], 120, 0);
  for (let i = 0; i < M * N; i++) {
    const mult = f(f(f(0.02) * bScale[i % N]) / f(0.05));
    const want = Math.min(255, Math.max(0, roundHalfToEven(f(acc2[i] * mult)) + 128));
    assert.equal(y[i], want, `element ${i}`);
  }
});

Deno.test("matMulInteger int16-pairs: neighbouring u8·s8 products saturate as on AVX2", () => {
  // 255·127 + 255·127 = 64,770 saturates to 32,767 per pair; the zero points enter exactly.
  const a = Uint8Array.of(255, 255, 255, 255, 10);
  const b = Int8Array.of(127, 127, 127, 127, -3);
  const exact = matMulInteger({ a, aDims: [1, 5], b, bDims: [5, 1] });
  const paired = matMulInteger({ a, aDims: [1, 5], b, bDims: [5, 1], accumulation: "int16-pairs" });
  assert.deepEqual([...exact.y], [4 * 255 * 127 - 30]);
  assert.deepEqual([...paired.y], [2 * 32767 - 30]);
  const shifted = matMulInteger({
    a,
    aDims: [1, 5],
    aZeroPoint: 5,
    b,
    bDims: [5, 1],
    bZeroPoint: 1,
    accumulation: "int16-pairs",
  });
  // raw − za·Σb − zb·Σa + K·za·zb
  assert.deepEqual([...shifted.y], [2 * 32767 - 30 - 5 * 505 - 1 * 1030 + 5 * 5 * 1]);
  // Below the int16 limit both modes agree (7-bit weights: reduce_range).
  const small = Int8Array.of(64, 64, 64, 64, -3);
  assert.deepEqual(
    [...matMulInteger({ a, aDims: [1, 5], b: small, bDims: [5, 1] }).y],
    [
      ...matMulInteger({ a, aDims: [1, 5], b: small, bDims: [5, 1], accumulation: "int16-pairs" })
        .y,
    ],
  );
});

// ---- Cross-check with ONNX Runtime (onnxruntime-node, CPU). ----

const ONNX_TYPE = { int8: DataType.INT8, uint8: DataType.UINT8 } as const;

Deno.test("matMulInteger is bit-exact with ONNX Runtime (batched, per-column b zero points)", async () => {
  const random = mulberry32(33);
  const aDims = [2, 7, 33];
  const bDims = [33, 9];
  for (const [ta, tb] of [["uint8", "uint8"], ["uint8", "int8"], ["int8", "int8"]] as const) {
    const a = randomInts(random, ta, 2 * 7 * 33);
    const b = randomInts(random, tb, 33 * 9);
    const aZp = randomInts(random, ta, 1);
    const bZp = randomInts(random, tb, 9);
    const model = buildNodeModel({
      opType: "MatMulInteger",
      opset: 10,
      inputs: [
        { name: "a", dataType: ONNX_TYPE[ta], dims: aDims },
        { name: "b", dataType: ONNX_TYPE[tb], dims: bDims },
        { name: "a_zp", dataType: ONNX_TYPE[ta], dims: [] },
        { name: "b_zp", dataType: ONNX_TYPE[tb], dims: [9] },
      ],
      outputs: [{ name: "y", dataType: DataType.INT32 }],
    });
    const out = await runInOrt(model, {
      a: { dataType: ONNX_TYPE[ta], dims: aDims, data: a },
      b: { dataType: ONNX_TYPE[tb], dims: bDims, data: b },
      a_zp: { dataType: ONNX_TYPE[ta], dims: [], data: aZp },
      b_zp: { dataType: ONNX_TYPE[tb], dims: [9], data: bZp },
    });
    const { y, dims } = matMulInteger({
      a,
      aDims,
      b,
      bDims,
      aZeroPoint: aZp,
      bZeroPoint: bZp,
      accumulation: u8s8Accumulation(),
    });
    assert.deepEqual(dims, [...out.y.dims]);
    assert.equal(firstBitDifference(y, out.y.data as Int32Array), -1, `${ta} × ${tb}`);
  }
});

Deno.test("qlinearMatMul is bit-exact with ONNX Runtime (uint8 and int8, per-column b scales)", async () => {
  const random = mulberry32(34);
  const aDims = [3, 6, 40];
  const bDims = [40, 11];
  let compared = 0;
  for (
    const [ta, tb, perColumn] of [["uint8", "uint8", false], ["uint8", "int8", true], [
      "int8",
      "int8",
      true,
    ]] as const
  ) {
    for (let trial = 0; trial < 3; trial++) {
      const a = randomInts(random, ta, 3 * 6 * 40);
      const b = randomInts(random, tb, 40 * 11);
      const nb = perColumn ? 11 : 1;
      // Trials 0 and 1: power-of-two scales, so the multiplier is exactly 1/2 or 1/256 and
      // many accumulators land on exact ties (and, at 1/2, saturate); trial 2: random scales.
      const pow2 = trial < 2;
      const aScale = Float32Array.of(pow2 ? 2 ** -6 : random() * 0.05);
      const bScale = Float32Array.from({ length: nb }, () => pow2 ? 2 ** -7 : random() * 0.05);
      const yScale = Float32Array.of(aScale[0] * bScale[0] * [2, 256, 40][trial]);
      const aZp = randomInts(random, ta, 1);
      const bZp = tb === "int8" ? new Int8Array(nb) : randomInts(random, tb, nb);
      const yZp = randomInts(random, ta, 1);
      const model = buildNodeModel({
        opType: "QLinearMatMul",
        opset: 10,
        inputs: [
          { name: "a", dataType: ONNX_TYPE[ta], dims: aDims },
          { name: "a_scale", dataType: DataType.FLOAT, dims: [] },
          { name: "a_zp", dataType: ONNX_TYPE[ta], dims: [] },
          { name: "b", dataType: ONNX_TYPE[tb], dims: bDims },
          { name: "b_scale", dataType: DataType.FLOAT, dims: perColumn ? [nb] : [] },
          { name: "b_zp", dataType: ONNX_TYPE[tb], dims: perColumn ? [nb] : [] },
          { name: "y_scale", dataType: DataType.FLOAT, dims: [] },
          { name: "y_zp", dataType: ONNX_TYPE[ta], dims: [] },
        ],
        outputs: [{ name: "y", dataType: ONNX_TYPE[ta] }],
      });
      const out = await runInOrt(model, {
        a: { dataType: ONNX_TYPE[ta], dims: aDims, data: a },
        a_scale: { dataType: DataType.FLOAT, dims: [], data: aScale },
        a_zp: { dataType: ONNX_TYPE[ta], dims: [], data: aZp },
        b: { dataType: ONNX_TYPE[tb], dims: bDims, data: b },
        b_scale: { dataType: DataType.FLOAT, dims: perColumn ? [nb] : [], data: bScale },
        b_zp: { dataType: ONNX_TYPE[tb], dims: perColumn ? [nb] : [], data: bZp },
        y_scale: { dataType: DataType.FLOAT, dims: [], data: yScale },
        y_zp: { dataType: ONNX_TYPE[ta], dims: [], data: yZp },
      });
      const { y, dims } = qlinearMatMul({
        a,
        aDims,
        aScale,
        aZeroPoint: aZp,
        b,
        bDims,
        bScale,
        bZeroPoint: bZp,
        yScale: yScale[0],
        yZeroPoint: yZp[0],
        yType: ta,
        accumulation: u8s8Accumulation(),
      });
      assert.deepEqual(dims, [...out.y.dims]);
      const expected = out.y.data as Int8Array | Uint8Array;
      const at = firstBitDifference(y, expected);
      assert.equal(
        at,
        -1,
        `${ta} × ${tb} trial ${trial}: element ${at} ${y[at]} vs ORT ${expected[at]}`,
      );
      compared += y.length;
    }
  }
  assert.equal(compared, 9 * 3 * 6 * 11);
});
