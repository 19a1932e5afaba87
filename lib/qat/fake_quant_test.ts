import assert from "node:assert/strict";
import type { Tensor1D } from "@tensorflow/tfjs";
import {
  computeQuantParams,
  computeQuantParamsPerChannel,
  dequantizeLinear,
  quantizeBias,
  quantizeLinear,
  type QuantParams,
} from "../quant/mod.ts";
import { initTf, Rng } from "../train/mod.ts";
import { fakeQuantize, fakeQuantizeBias, weightQuantParams } from "./fake_quant.ts";

const tf = await initTf();

/** Normal-ish values with a few outliers, as float32. */
function randomData(n: number, seed: number, spread = 3): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = rng.next() + rng.next() + rng.next() - 1.5;
    return u * spread * (rng.next() < 0.01 ? 10 : 1);
  });
}

/** dequantizeLinear(quantizeLinear(x)) of lib/quant: what ONNX Runtime computes. */
function reference(x: Float32Array, dims: number[], p: QuantParams): Float32Array {
  const common = { dims, scale: p.scale, zeroPoint: p.zeroPoint, axis: p.axis };
  return dequantizeLinear({ ...common, x: quantizeLinear({ ...common, x, type: p.type }) });
}

function fakeQuantized(x: Float32Array, dims: number[], p: QuantParams): Float32Array {
  return tf.tidy(() => fakeQuantize(tf.tensor(x, dims), p)).dataSync() as Float32Array;
}

function assertSameFloats(actual: Float32Array, expected: Float32Array, what: string) {
  assert.equal(actual.length, expected.length);
  let differ = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i] + 0, expected[i] + 0)) {
      differ++;
      if (first < 0) first = i;
    }
  }
  assert.equal(
    differ,
    0,
    `${what}: ${differ} of ${actual.length} differ, first at ${first}: ` +
      `${actual[first]} vs ${expected[first]}`,
  );
}

Deno.test("fake quantization equals lib/quant's QuantizeLinear → DequantizeLinear, per tensor", () => {
  const x = randomData(100_000, 1);
  // Calibrated on a narrower range than the data, so about 1% of the values saturate.
  for (
    const p of [
      computeQuantParams({ min: -4, max: 5, type: "uint8" }),
      computeQuantParams({ min: -4, max: 5, type: "int8", symmetric: true }),
      computeQuantParams({ min: -4, max: 5, type: "int8" }),
      computeQuantParams({ min: 0.5, max: 2, type: "uint8", symmetric: true }),
    ]
  ) {
    const expected = reference(x, [100, 1000], p);
    assertSameFloats(fakeQuantized(x, [100, 1000], p), expected, `${p.type} zp ${p.zeroPoint}`);
    const top = expected.reduce((a, b) => Math.max(a, b), -Infinity);
    assert.ok(expected.filter((v) => v === top).length > 10, "some values saturate");
  }
});

Deno.test("fake quantization rounds ties to even and saturates like QuantizeLinear", () => {
  // Scale 0.25: k/8 values land exactly on .5 ties of x / scale.
  const p = { scale: Float32Array.of(0.25), zeroPoint: Int32Array.of(3), type: "uint8" as const };
  const x = Float32Array.from({ length: 1201 }, (_, i) => (i - 400) / 8);
  const expected = reference(x, [1201], p);
  assertSameFloats(fakeQuantized(x, [1201], p), expected, "ties");
  // 0.125 / 0.25 = 0.5 → 0 (even), 0.375 / 0.25 = 1.5 → 2, −0.625 / 0.25 = −2.5 → −2.
  const at = (v: number) => expected[x.indexOf(v)];
  assert.deepEqual([at(0.125), at(0.375), at(-0.625)], [0, 0.5, -0.5]);
  assert.equal(at(-50), -0.75); // (0 − 3) · 0.25: saturated at qmin
  assert.equal(at(50), 50);
  assert.equal(at(100), 63); // (255 − 3) · 0.25: saturated at qmax
});

Deno.test("per-channel weights: parameters and values equal computeQuantParamsPerChannel's", () => {
  const [out, inF] = [48, 64];
  const w = randomData(out * inF, 2, 0.05);
  w.fill(0, 5 * inF, 6 * inF); // an all-zero row: scale 1, as ONNX Runtime's tool gives
  const weight = tf.tensor2d(w, [out, inF]);
  const mine = weightQuantParams(weight);
  weight.dispose();
  const theirs = computeQuantParamsPerChannel({
    data: w,
    dims: [out, inF],
    axis: 0,
    type: "int8",
    symmetric: true,
  });
  assert.deepEqual(mine, theirs);
  assert.equal(mine.scale[5], 1);
  assertSameFloats(fakeQuantized(w, [out, inF], mine), reference(w, [out, inF], theirs), "weight");
  // Asymmetric per-channel parameters: each channel its own zero point, so its own clamp range.
  const asym = computeQuantParamsPerChannel({ data: w, dims: [out, inF], axis: 0, type: "uint8" });
  assert.ok(new Set(asym.zeroPoint).size > 1);
  assertSameFloats(fakeQuantized(w, [out, inF], asym), reference(w, [out, inF], asym), "uint8");
});

Deno.test("per-channel parameters on a middle axis of a rank-3 tensor equal QuantizeLinear's", () => {
  const dims = [3, 5, 7]; // channels on axis 1: runs of 7 elements, 3 × 5 runs
  const x = randomData(3 * 5 * 7, 4);
  const p = computeQuantParamsPerChannel({ data: x, dims, axis: 1, type: "uint8" });
  assert.ok(new Set(p.scale).size === 5 && new Set(p.zeroPoint).size > 1);
  assertSameFloats(fakeQuantized(x, dims, p), reference(x, dims, p), "axis 1");
  const last = computeQuantParamsPerChannel({ data: x, dims, axis: -1, type: "int8" });
  assertSameFloats(fakeQuantized(x, dims, last), reference(x, dims, last), "axis −1");
});

Deno.test("ownRange: a weight's own parameters saturate nothing, so the identity gradient is the clipped one", () => {
  const w = randomData(24 * 40, 7, 0.05);
  const weight = tf.tensor2d(w, [24, 40]);
  const upstream = tf.tensor2d(randomData(24 * 40, 8), [24, 40]);
  for (const reduceRange of [false, true]) {
    const p = weightQuantParams(weight, { reduceRange });
    const grad = (options: { ownRange?: boolean }) =>
      tf.grad((t) => tf.sum(tf.mul(fakeQuantize(t, p, options), upstream)))(weight).dataSync();
    const own = grad({ ownRange: true });
    assert.deepEqual(own, grad({}), `reduceRange ${reduceRange}`);
    assert.deepEqual(own, upstream.dataSync());
    assertSameFloats(
      fakeQuantize(weight, p, { ownRange: true }).dataSync() as Float32Array,
      reference(w, [24, 40], p),
      "values",
    );
  }
  tf.dispose([weight, upstream]);
});

Deno.test("fake quantization of a non-float tensor is refused with its dtype", () => {
  const p = computeQuantParams({ min: 0, max: 2.55, type: "uint8" });
  const ids = tf.tensor1d([1, 2], "int32");
  assert.throws(() => fakeQuantize(ids, p), /the tensor is int32; fake quantization takes float32/);
  ids.dispose();
});

Deno.test("straight-through estimator: gradient 1 inside the range, 0 where saturated", () => {
  const p = computeQuantParams({ min: -1, max: 1, type: "int8", symmetric: true }); // s = 2/254
  const x = tf.tensor1d([-3, -1.01, -1, -0.3, 0, 0.42, 1, 1.004, 1.01, 7]);
  const upstream = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const grad = tf.grad((t) => tf.sum(tf.mul(fakeQuantize(t, p), upstream)))(x);
  // round(1.004 / s) = round(127.5) = 128 > 127: saturated; round(−1.01 / s) = −128 is inside
  // int8's [−128, 127] (saturation uses the type's full range, as QuantizeLinear does).
  assert.deepEqual(Array.from(grad.dataSync()), [0, 2, 3, 4, 5, 6, 7, 0, 0, 0]);
  const perChannel = { ...computeQuantParams({ min: 0, max: 2.55, type: "uint8" }), axis: 1 };
  const two = { ...perChannel, scale: Float32Array.of(0.01, 1), zeroPoint: Int32Array.of(0, 10) };
  const g2 = tf.grad((t) => tf.sum(fakeQuantize(t, two)))(tf.tensor2d([[-1, -1], [3, 300]]));
  // column 0: [0, 2.55] → −1 and 3 saturate; column 1: [−10, 245] → both inside, 300 out.
  assert.deepEqual(Array.from(g2.dataSync()), [0, 1, 0, 0]);
  tf.dispose([x, upstream, grad, g2]);
});

Deno.test("fake-quantized bias equals the int32 bias quantizeStatic writes, dequantized", () => {
  const bias = randomData(256, 3, 0.5);
  const inputScale = Math.fround(0.0371);
  const weightScale = randomData(256, 4, 0.001).map((v) => Math.abs(v) + 1e-4);
  const q = quantizeBias(bias, inputScale, weightScale);
  const expected = Float32Array.from(q.data, (v, i) => Math.fround(v * q.scale[i]));
  const got = tf.tidy(() => fakeQuantizeBias(tf.tensor1d(bias), inputScale, weightScale));
  assertSameFloats(got.dataSync() as Float32Array, expected, "bias");
  const g = tf.grad((b) => tf.sum(fakeQuantizeBias(b as Tensor1D, inputScale, weightScale)))(
    tf.tensor1d(bias),
  );
  assert.ok(g.dataSync().every((v) => v === 1), "identity gradient");
});
