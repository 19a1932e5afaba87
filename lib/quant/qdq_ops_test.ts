import assert from "node:assert/strict";
import { DataType } from "../onnx/mod.ts";
import { buildNodeModel, firstBitDifference, runInOrt } from "./_onnx_test_support.ts";
import { computeQuantParams, QuantParamsError, type QuantType, typeRange } from "./params.ts";
import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from "./qdq_ops.ts";
import { mulberry32 } from "../random/mod.ts";

/** Rounding written differently from `roundHalfToEven`: floor, then the fraction decides. */
function referenceRound(v: number): number {
  const fl = Math.floor(v);
  const frac = v - fl;
  if (frac < 0.5) return fl;
  if (frac > 0.5) return fl + 1;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** Element-by-element QuantizeLinear written from the ONNX spec, for property tests. */
function referenceQuantize(x: number, scale: number, zp: number, type: QuantType): number {
  const { qmin, qmax } = typeRange(type);
  const v = Math.fround(Math.fround(x) / Math.fround(scale));
  return Math.min(qmax, Math.max(qmin, referenceRound(v) + zp));
}

/** Random float32 data mixing ordinary values, exact ties of `scale`, and out-of-range values. */
function mixedData(random: () => number, n: number, scale: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.4) x[i] = (random() - 0.5) * 300 * scale;
    else if (r < 0.8) x[i] = (Math.floor(random() * 400) - 200 + 0.5) * scale; // ties
    else if (r < 0.95) x[i] = (random() - 0.5) * 1e4 * scale; // saturates
    else x[i] = [0, -0, Infinity, -Infinity][Math.floor(random() * 4)];
  }
  return x;
}

Deno.test("quantizeLinear rounds ties to even", () => {
  const x = [0.5, 1.5, 2.5, 3.5, 4.5, -0.5, -1.5, -2.5, -3.5, -4.5, 2.4999998, 2.5000002];
  const y = quantizeLinear({ x, dims: [x.length], scale: 1, zeroPoint: 0, type: "int8" });
  assert.deepEqual([...y], [0, 2, 2, 4, 4, 0, -2, -2, -4, -4, 2, 3]);
  // Ties after the division by the scale, and after adding the zero point.
  const z = quantizeLinear({
    x: [1.25, -1.25, 0.75],
    dims: [3],
    scale: 0.5,
    zeroPoint: 10,
    type: "uint8",
  });
  assert.deepEqual([...z], [12, 8, 12]); // 2.5 → 2, -2.5 → -2, 1.5 → 2
});

Deno.test("quantizeLinear saturates to the type's range", () => {
  const x = [1e6, -1e6, Infinity, -Infinity, 127.4, 127.6, -128.4, -128.6];
  const i8 = quantizeLinear({ x, dims: [8], scale: 1, zeroPoint: 0, type: "int8" });
  assert.deepEqual([...i8], [127, -128, 127, -128, 127, 127, -128, -128]);
  const u8 = quantizeLinear({ x, dims: [8], scale: 1, zeroPoint: 100, type: "uint8" });
  assert.deepEqual([...u8], [255, 0, 255, 0, 227, 228, 0, 0]);
  assert.ok(i8 instanceof Int8Array && u8 instanceof Uint8Array);
  // NaN: ONNX Runtime's CPU kernel gives the type's minimum.
  const nan = quantizeLinear({ x: [NaN], dims: [1], scale: 1, zeroPoint: 5, type: "int8" });
  assert.deepEqual([...nan], [-128]);
});

Deno.test("quantizeLinear agrees with a spec-written reference on seeded random data", () => {
  const random = mulberry32(1);
  for (let trial = 0; trial < 40; trial++) {
    const type: QuantType = trial % 2 ? "int8" : "uint8";
    const { qmin, qmax } = typeRange(type);
    const scale = Math.fround(10 ** (random() * 6 - 4));
    const zp = qmin + Math.floor(random() * (qmax - qmin + 1));
    const x = mixedData(random, 500, scale);
    const y = quantizeLinear({ x, dims: [500], scale, zeroPoint: zp, type });
    for (let i = 0; i < x.length; i++) {
      assert.equal(
        y[i],
        referenceQuantize(x[i], scale, zp, type),
        `x=${x[i]} scale=${scale} zp=${zp}`,
      );
    }
  }
});

Deno.test("quantizeLinear and dequantizeLinear per channel follow the axis", () => {
  const random = mulberry32(2);
  const dims = [2, 3, 4];
  const x = Float32Array.from({ length: 24 }, () => (random() - 0.5) * 20);
  for (const [axis, stride, channels] of [[0, 12, 2], [1, 4, 3], [2, 1, 4], [-1, 1, 4]]) {
    const scale = Float32Array.from({ length: channels }, (_, c) => 0.05 * (c + 1));
    const zeroPoint = Int32Array.from({ length: channels }, (_, c) => c * 7 - 3);
    const q = quantizeLinear({ x, dims, scale, zeroPoint, axis, type: "int8" });
    const back = dequantizeLinear({ x: q, dims, scale, zeroPoint, axis });
    for (let i = 0; i < 24; i++) {
      const c = Math.floor(i / stride) % channels;
      assert.equal(
        q[i],
        referenceQuantize(x[i], scale[c], zeroPoint[c], "int8"),
        `axis ${axis} i ${i}`,
      );
      assert.equal(back[i], Math.fround((q[i] - zeroPoint[c]) * scale[c]));
    }
  }
  // The default axis is 1, as in ONNX.
  const s3 = Float32Array.of(1, 2, 4);
  assert.deepEqual(
    quantizeLinear({ x, dims, scale: s3, type: "int8" }),
    quantizeLinear({ x, dims, scale: s3, axis: 1, type: "int8" }),
  );
  assert.throws(
    () => quantizeLinear({ x, dims, scale: s3, axis: 0, type: "int8" }),
    (e) =>
      e instanceof QuantParamsError &&
      /3 per-channel scales but dimension 0 of \[2,3,4\] has 2 entries/.test(e.message),
  );
  assert.throws(
    () => quantizeLinear({ x, dims, scale: s3, zeroPoint: [1, 2], type: "int8" }),
    (e) => e instanceof QuantParamsError && /3 scales but 2 zero points/.test(e.message),
  );
  assert.throws(
    () => quantizeLinear({ x, dims: [5, 5], scale: 1, type: "int8" }),
    (e) => e instanceof QuantParamsError && /24 elements but dims \[5,5\] hold 25/.test(e.message),
  );
});

Deno.test("dequantizeLinear: (x - zeroPoint) * scale in float32, int32 inputs too", () => {
  const y = dequantizeLinear({
    x: new Int8Array([-128, -1, 0, 127]),
    dims: [4],
    scale: 0.1,
    zeroPoint: -1,
  });
  const s = Math.fround(0.1);
  assert.deepEqual([...y], [-127, 0, 1, 128].map((d) => Math.fround(d * s)));
  // int32 (a bias): the difference is rounded to float32 before the product, as in C++.
  const big = dequantizeLinear({ x: new Int32Array([16777217, -7]), dims: [2], scale: 1 });
  assert.deepEqual([...big], [16777216, -7]);
  // Every int8 value round-trips through per-tensor params made from its own range.
  const p = computeQuantParams({ min: -2, max: 3, type: "int8" });
  const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  const back = dequantizeLinear({ x: all, dims: [256], ...p });
  assert.deepEqual(quantizeLinear({ x: back, dims: [256], ...p }), all);
});

Deno.test("dynamicQuantizeLinear: uint8, range through 0, zero point rounded and saturated", () => {
  const zeros = dynamicQuantizeLinear(new Float32Array(5));
  assert.deepEqual([zeros.scale, zeros.zeroPoint, [...zeros.y]], [1, 0, [0, 0, 0, 0, 0]]);
  const positive = dynamicQuantizeLinear(Float32Array.of(1, 2, 5.1));
  assert.equal(positive.zeroPoint, 0);
  assert.equal(positive.y[2], 255);
  const negative = dynamicQuantizeLinear(Float32Array.of(-1, -2, -5.1));
  assert.equal(negative.zeroPoint, 255);
  assert.equal(negative.y[2], 0);
  const random = mulberry32(4);
  const x = Float32Array.from({ length: 1000 }, () => (random() - 0.2) * 8);
  const d = dynamicQuantizeLinear(x);
  const back = dequantizeLinear({ x: d.y, dims: [1000], scale: d.scale, zeroPoint: d.zeroPoint });
  for (let i = 0; i < x.length; i++) {
    assert.ok(Math.abs(back[i] - x[i]) <= d.scale * 0.5001, `x=${x[i]} → ${back[i]}`);
  }
});

// ---- Cross-check with ONNX Runtime (onnxruntime-node, CPU): one-node models, random data. ----

const ONNX_TYPE = { int8: DataType.INT8, uint8: DataType.UINT8 } as const;

function typed(type: QuantType, values: ArrayLike<number>): Int8Array | Uint8Array {
  return type === "int8" ? Int8Array.from(values) : Uint8Array.from(values);
}

async function ortQuantize(
  x: Float32Array,
  dims: number[],
  scale: Float32Array,
  zeroPoint: ArrayLike<number>,
  type: QuantType,
  axis?: number,
): Promise<Int8Array | Uint8Array> {
  const paramDims = scale.length === 1 ? [] : [scale.length];
  const model = buildNodeModel({
    opType: "QuantizeLinear",
    inputs: [
      { name: "x", dataType: DataType.FLOAT, dims },
      { name: "scale", dataType: DataType.FLOAT, dims: paramDims },
      { name: "zp", dataType: ONNX_TYPE[type], dims: paramDims },
    ],
    outputs: [{ name: "y", dataType: ONNX_TYPE[type], dims }],
    attributes: axis === undefined ? {} : { axis },
  });
  const out = await runInOrt(model, {
    x: { dataType: DataType.FLOAT, dims, data: x },
    scale: { dataType: DataType.FLOAT, dims: paramDims, data: scale },
    zp: { dataType: ONNX_TYPE[type], dims: paramDims, data: typed(type, zeroPoint) },
  });
  return out.y.data as Int8Array | Uint8Array;
}

Deno.test("quantizeLinear is bit-exact with ONNX Runtime (per tensor, random data)", async () => {
  const random = mulberry32(20);
  let compared = 0;
  for (let trial = 0; trial < 12; trial++) {
    const type: QuantType = trial % 2 ? "int8" : "uint8";
    const { qmin, qmax } = typeRange(type);
    const scale = Float32Array.of(10 ** (random() * 6 - 4));
    const zp = [qmin + Math.floor(random() * (qmax - qmin + 1))];
    const n = 4099; // not a multiple of the SIMD width: the tail loop runs too
    const x = mixedData(random, n, scale[0]);
    const expected = await ortQuantize(x, [n], scale, zp, type);
    const actual = quantizeLinear({ x, dims: [n], scale, zeroPoint: zp, type });
    const at = firstBitDifference(actual, expected);
    assert.equal(
      at,
      -1,
      `${type} scale=${scale[0]} zp=${zp}: x=${x[at]} → ${actual[at]}, ORT ${expected[at]}`,
    );
    compared += n;
  }
  assert.equal(compared, 12 * 4099);
});

Deno.test("quantizeLinear is bit-exact with ONNX Runtime (per channel, every axis)", async () => {
  const random = mulberry32(21);
  const dims = [3, 5, 7];
  const n = 3 * 5 * 7;
  for (const type of ["int8", "uint8"] as const) {
    for (const axis of [0, 1, 2]) {
      const channels = dims[axis];
      const scale = Float32Array.from({ length: channels }, () => 10 ** (random() * 3 - 3));
      const { qmin, qmax } = typeRange(type);
      const zp = Array.from(
        { length: channels },
        () => qmin + Math.floor(random() * (qmax - qmin + 1)),
      );
      const x = mixedData(random, n, scale[0]);
      const expected = await ortQuantize(x, dims, scale, zp, type, axis);
      const actual = quantizeLinear({ x, dims, scale, zeroPoint: zp, type, axis });
      assert.equal(firstBitDifference(actual, expected), -1, `${type} axis ${axis}`);
    }
  }
});

Deno.test("dequantizeLinear is bit-exact with ONNX Runtime (int8, uint8, int32; per tensor and channel)", async () => {
  const random = mulberry32(22);
  const dims = [4, 6, 5];
  const n = 120;
  const cases: { type: "int8" | "uint8" | "int32"; axis?: number }[] = [
    { type: "int8" },
    { type: "uint8" },
    { type: "int32" },
    { type: "int8", axis: 1 },
    { type: "uint8", axis: 2 },
    { type: "int8", axis: 0 },
  ];
  for (const { type, axis } of cases) {
    const channels = axis === undefined ? 1 : dims[axis];
    const paramDims = axis === undefined ? [] : [channels];
    const scale = Float32Array.from(
      { length: channels },
      () => (random() - 0.1) * 10 ** (random() * 4 - 3),
    );
    const dataType = type === "int32" ? DataType.INT32 : ONNX_TYPE[type];
    const x = type === "int32"
      ? Int32Array.from({ length: n }, () => Math.floor((random() - 0.5) * 2 ** 31))
      : typed(
        type,
        Array.from({ length: n }, () => Math.floor(random() * 256) - (type === "int8" ? 128 : 0)),
      );
    const zp = type === "int32" ? new Int32Array(channels) : typed(
      type,
      Array.from(
        { length: channels },
        () => Math.floor(random() * 256) - (type === "int8" ? 128 : 0),
      ),
    );
    const model = buildNodeModel({
      opType: "DequantizeLinear",
      inputs: [
        { name: "x", dataType, dims },
        { name: "scale", dataType: DataType.FLOAT, dims: paramDims },
        { name: "zp", dataType, dims: paramDims },
      ],
      outputs: [{ name: "y", dataType: DataType.FLOAT, dims }],
      attributes: axis === undefined ? {} : { axis },
    });
    const out = await runInOrt(model, {
      x: { dataType, dims, data: x },
      scale: { dataType: DataType.FLOAT, dims: paramDims, data: scale },
      zp: { dataType, dims: paramDims, data: zp },
    });
    const expected = out.y.data as Float32Array;
    const actual = dequantizeLinear({ x, dims, scale, zeroPoint: zp, axis });
    const at = firstBitDifference(actual, expected);
    assert.equal(
      at,
      -1,
      `${type} axis ${axis}: element ${at} ${actual[at]} vs ORT ${expected[at]}`,
    );
  }
});

Deno.test("dynamicQuantizeLinear is bit-exact with ONNX Runtime (y, scale, zero point)", async () => {
  const random = mulberry32(23);
  const model = buildNodeModel({
    opType: "DynamicQuantizeLinear",
    opset: 11,
    inputs: [{ name: "x", dataType: DataType.FLOAT, dims: [1031] }],
    outputs: [
      { name: "y", dataType: DataType.UINT8, dims: [1031] },
      { name: "scale", dataType: DataType.FLOAT, dims: [] },
      { name: "zp", dataType: DataType.UINT8, dims: [] },
    ],
  });
  const zeroPoints = new Set<number>();
  for (let trial = 0; trial < 16; trial++) {
    const shift = [-0.5, 0, 0.5, -1.5, 2][trial % 5]; // mixed, all-positive and all-negative data
    const spread = 10 ** (random() * 6 - 3);
    const x = Float32Array.from({ length: 1031 }, () => (random() - 0.5 + shift) * spread);
    if (trial === 15) x.fill(0);
    const out = await runInOrt(model, { x: { dataType: DataType.FLOAT, dims: [1031], data: x } });
    const d = dynamicQuantizeLinear(x);
    assert.equal(d.scale, (out.scale.data as Float32Array)[0], `trial ${trial} scale`);
    assert.equal(d.zeroPoint, (out.zp.data as Uint8Array)[0], `trial ${trial} zero point`);
    assert.equal(firstBitDifference(d.y, out.y.data as Uint8Array), -1, `trial ${trial} y`);
    zeroPoints.add(d.zeroPoint);
  }
  assert.ok(
    zeroPoints.has(0) && zeroPoints.has(255) && zeroPoints.size >= 4,
    `zero points ${[...zeroPoints]}`,
  );
});
