import assert from "node:assert/strict";
import {
  channelLayout,
  computeQuantParams,
  computeQuantParamsPerChannel,
  dynamicQuantParams,
  minMax,
  minMaxPerChannel,
  normalizeAxis,
  QuantParamsError,
  quantRange,
  type QuantType,
  roundHalfToEven,
} from "./params.ts";
import { dequantizeLinear, quantizeLinear } from "./qdq_ops.ts";
import { mulberry32 } from "../random/mod.ts";

// [min, max, type, symmetric, reduceRange, scale, zeroPoint] computed with numpy by a
// transcription of ONNX Runtime's compute_data_quant_params (float32 arrays, float64 division,
// numpy.round), on seeded random ranges.
const ORT_GOLDEN: [number, number, QuantType, boolean, boolean, number, number][] = [
  [0.001230153371579945, 0.2987455427646637, "uint8", false, false, 0.0011715511791408062, 0],
  [0.001230153371579945, 0.2987455427646637, "int8", false, false, 0.0011715511791408062, -128],
  [0.001230153371579945, 0.2987455427646637, "int8", true, false, 0.0023523271083831787, 0],
  [0.001230153371579945, 0.2987455427646637, "uint8", true, false, 0.0023431023582816124, 128],
  [0.001230153371579945, 0.2987455427646637, "uint8", false, true, 0.0023523271083831787, 0],
  [0.001230153371579945, 0.2987455427646637, "int8", true, true, 0.00466789910569787, 0],
  [
    -0.0008905918220989406,
    -0.00027413785574026406,
    "uint8",
    false,
    false,
    3.492516952974256e-06,
    255,
  ],
  [
    -0.0008905918220989406,
    -0.00027413785574026406,
    "int8",
    false,
    false,
    3.492516952974256e-06,
    127,
  ],
  [-0.0008905918220989406, -0.00027413785574026406, "int8", true, false, 7.012533842498669e-06, 0],
  [
    -0.0008905918220989406,
    -0.00027413785574026406,
    "uint8",
    true,
    false,
    6.985033905948512e-06,
    128,
  ],
  [
    -0.0008905918220989406,
    -0.00027413785574026406,
    "uint8",
    false,
    true,
    7.012533842498669e-06,
    127,
  ],
  [-0.0008905918220989406, -0.00027413785574026406, "int8", true, true, 1.3915497220295947e-05, 0],
  [-6.941525936126709, 0.000601436011493206, "uint8", false, false, 0.02722402848303318, 255],
  [-6.941525936126709, 0.000601436011493206, "int8", false, false, 0.02722402848303318, 127],
  [-6.941525936126709, 0.000601436011493206, "int8", true, false, 0.05465768277645111, 0],
  [-6.941525936126709, 0.000601436011493206, "uint8", true, false, 0.05444334074854851, 128],
  [-6.941525936126709, 0.000601436011493206, "uint8", false, true, 0.054662417620420456, 127],
  [-6.941525936126709, 0.000601436011493206, "int8", true, true, 0.10846134275197983, 0],
  [0.059413887560367584, 0.06424568593502045, "uint8", false, false, 0.00025194385671056807, 0],
  [0.059413887560367584, 0.06424568593502045, "int8", false, false, 0.00025194385671056807, -128],
  [0.059413887560367584, 0.06424568593502045, "int8", true, false, 0.0005058715469203889, 0],
  [0.059413887560367584, 0.06424568593502045, "uint8", true, false, 0.0005038877134211361, 128],
  [0.059413887560367584, 0.06424568593502045, "uint8", false, true, 0.0005058715469203889, 0],
  [0.059413887560367584, 0.06424568593502045, "int8", true, true, 0.0010038388427346945, 0],
  [-0.6204748749732971, 0.4898420572280884, "uint8", false, false, 0.004354184493422508, 143],
  [-0.6204748749732971, 0.4898420572280884, "int8", false, false, 0.004354184493422508, 15],
  [-0.6204748749732971, 0.4898420572280884, "int8", true, false, 0.004885628819465637, 0],
  [-0.6204748749732971, 0.4898420572280884, "uint8", true, false, 0.004866469651460648, 128],
  [-0.6204748749732971, 0.4898420572280884, "uint8", false, true, 0.008742653764784336, 71],
  [-0.6204748749732971, 0.4898420572280884, "int8", true, true, 0.009694919921457767, 0],
  [31.62427520751953, 107.06610107421875, "uint8", false, false, 0.41986706852912903, 0],
  [31.62427520751953, 107.06610107421875, "int8", false, false, 0.41986706852912903, -128],
  [31.62427520751953, 107.06610107421875, "int8", true, false, 0.8430401682853699, 0],
  [31.62427520751953, 107.06610107421875, "uint8", true, false, 0.8397341370582581, 128],
  [31.62427520751953, 107.06610107421875, "uint8", false, true, 0.8430401682853699, 0],
  [31.62427520751953, 107.06610107421875, "int8", true, true, 1.672907829284668, 0],
  [-0.2047627568244934, 0.0069530317559838295, "uint8", false, false, 0.000830258009955287, 247],
  [-0.2047627568244934, 0.0069530317559838295, "int8", false, false, 0.000830258009955287, 119],
  [-0.2047627568244934, 0.0069530317559838295, "int8", true, false, 0.001612305175513029, 0],
  [-0.2047627568244934, 0.0069530317559838295, "uint8", true, false, 0.0016059824265539646, 128],
  [-0.2047627568244934, 0.0069530317559838295, "uint8", false, true, 0.0016670534387230873, 123],
  [-0.2047627568244934, 0.0069530317559838295, "int8", true, true, 0.0031994180753827095, 0],
  [0.40972667932510376, 0.69370037317276, "uint8", false, false, 0.0027203937061131, 0],
  [0.40972667932510376, 0.69370037317276, "int8", false, false, 0.0027203937061131, -128],
  [0.40972667932510376, 0.69370037317276, "int8", true, false, 0.005462207831442356, 0],
  [0.40972667932510376, 0.69370037317276, "uint8", true, false, 0.0054407874122262, 128],
  [0.40972667932510376, 0.69370037317276, "uint8", false, true, 0.005462207831442356, 0],
  [0.40972667932510376, 0.69370037317276, "int8", true, true, 0.010839068330824375, 0],
];

Deno.test("computeQuantParams matches ONNX Runtime's numpy computation bit for bit", () => {
  for (const [min, max, type, symmetric, reduceRange, scale, zeroPoint] of ORT_GOLDEN) {
    const p = computeQuantParams({ min, max, type, symmetric, reduceRange });
    const label = `[${min}, ${max}] ${type} symmetric=${symmetric} reduceRange=${reduceRange}`;
    assert.equal(p.scale[0], scale, label);
    assert.equal(p.zeroPoint[0], zeroPoint, label);
    assert.equal(p.type, type);
    assert.equal(p.axis, undefined);
  }
});

Deno.test("quantRange: full, symmetric and 7-bit ranges", () => {
  assert.deepEqual(quantRange({ type: "uint8" }), { qmin: 0, qmax: 255 });
  assert.deepEqual(quantRange({ type: "uint8", symmetric: true }), { qmin: 0, qmax: 255 });
  assert.deepEqual(quantRange({ type: "uint8", reduceRange: true }), { qmin: 0, qmax: 127 });
  assert.deepEqual(quantRange({ type: "int8" }), { qmin: -128, qmax: 127 });
  assert.deepEqual(quantRange({ type: "int8", symmetric: true }), { qmin: -127, qmax: 127 });
  assert.deepEqual(quantRange({ type: "int8", reduceRange: true }), { qmin: -64, qmax: 64 });
  assert.throws(
    () => quantRange({ type: "int4" as QuantType }),
    (e) => e instanceof QuantParamsError && /"int4".*"int8" or "uint8"/.test(e.message),
  );
});

Deno.test("roundHalfToEven: ties go to the even neighbour, others to the nearest", () => {
  const cases: [number, number][] = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [-0.5, -0],
    [-1.5, -2],
    [-2.5, -2],
    [-3.5, -4],
    [2.4999999, 2],
    [2.5000001, 3],
    [-2.5000001, -3],
    [126.5, 126],
    [127.5, 128],
    [-128.5, -128],
    [2 ** 52 + 1, 2 ** 52 + 1],
    [Infinity, Infinity],
    [-Infinity, -Infinity],
  ];
  for (const [x, want] of cases) assert.ok(Object.is(roundHalfToEven(x), want), `${x} → ${want}`);
  assert.ok(Number.isNaN(roundHalfToEven(NaN)));
});

Deno.test("computeQuantParams: the range always includes 0, which is exact", () => {
  // [1, 3] widens to [0, 3]: zero point at qmin.
  const u = computeQuantParams({ min: 1, max: 3, type: "uint8" });
  assert.equal(u.scale[0], Math.fround(3 / 255));
  assert.equal(u.zeroPoint[0], 0);
  // [-3, -1] widens to [-3, 0]: zero point at qmax.
  const i = computeQuantParams({ min: -3, max: -1, type: "int8" });
  assert.equal(i.scale[0], Math.fround(3 / 255));
  assert.equal(i.zeroPoint[0], 127);
  const random = mulberry32(11);
  for (let n = 0; n < 500; n++) {
    const a = (random() - 0.5) * 10 ** (random() * 6 - 3);
    const b = (random() - 0.5) * 10 ** (random() * 6 - 3);
    for (const type of ["int8", "uint8"] as const) {
      for (const symmetric of [false, true]) {
        for (const reduceRange of [false, true]) {
          const p = computeQuantParams({
            min: Math.min(a, b),
            max: Math.max(a, b),
            type,
            symmetric,
            reduceRange,
          });
          const { qmin, qmax } = quantRange({ type, symmetric, reduceRange });
          const zp = p.zeroPoint[0];
          assert.ok(zp >= qmin && zp <= qmax, `zero point ${zp} outside [${qmin}, ${qmax}]`);
          const zero = quantizeLinear({ x: [0], dims: [1], ...p });
          assert.equal(zero[0], zp);
          assert.equal(dequantizeLinear({ x: zero, dims: [1], ...p })[0], 0);
        }
      }
    }
  }
});

Deno.test("computeQuantParams: min and max land within half a step, inside the range", () => {
  const random = mulberry32(5);
  for (let n = 0; n < 500; n++) {
    const min = Math.fround(-random() * 4);
    const max = Math.fround(random() * 4);
    for (const type of ["int8", "uint8"] as const) {
      for (const reduceRange of [false, true]) {
        const p = computeQuantParams({ min, max, type, reduceRange });
        const { qmin, qmax } = quantRange({ type, reduceRange });
        const q = quantizeLinear({ x: [min, max], dims: [2], ...p });
        assert.ok(
          q[0] >= qmin && q[1] <= qmax,
          `[${min}, ${max}] → [${q}] leaves [${qmin}, ${qmax}]`,
        );
        const back = dequantizeLinear({ x: q, dims: [2], ...p });
        const step = p.scale[0];
        assert.ok(Math.abs(back[0] - min) <= step * 0.5 + 1e-6 * step, `min ${min} → ${back[0]}`);
        assert.ok(Math.abs(back[1] - max) <= step * 0.5 + 1e-6 * step, `max ${max} → ${back[1]}`);
      }
    }
  }
});

Deno.test("computeQuantParams: symmetric ranges", () => {
  const i8 = computeQuantParams({ min: -0.5, max: 2, type: "int8", symmetric: true });
  assert.equal(i8.scale[0], Math.fround(4 / 254));
  assert.equal(i8.zeroPoint[0], 0);
  const u8 = computeQuantParams({ min: -0.5, max: 2, type: "uint8", symmetric: true });
  assert.equal(u8.scale[0], Math.fround(4 / 255));
  assert.equal(u8.zeroPoint[0], 128);
  const i8r = computeQuantParams({
    min: -3,
    max: 1,
    type: "int8",
    symmetric: true,
    reduceRange: true,
  });
  assert.equal(i8r.scale[0], Math.fround(6 / 128));
  assert.equal(i8r.zeroPoint[0], 0);
  const u8r = computeQuantParams({
    min: -3,
    max: 1,
    type: "uint8",
    symmetric: true,
    reduceRange: true,
  });
  assert.equal(u8r.scale[0], Math.fround(6 / 127));
  assert.equal(u8r.zeroPoint[0], 64); // round(63.5) ties to even
  // ±absmax map to ±127 (int8): symmetric, nothing clipped.
  const q = quantizeLinear({ x: [-2, 2], dims: [2], ...i8 });
  assert.deepEqual([...q], [-127, 127]);
});

Deno.test("computeQuantParams: reduceRange uses 7 bits", () => {
  const u = computeQuantParams({ min: -1, max: 1, type: "uint8", reduceRange: true });
  assert.equal(u.scale[0], Math.fround(2 / 127));
  assert.equal(u.zeroPoint[0], 64); // round(0 + 1 / (2 / 127)) = round(63.5)
  const i = computeQuantParams({ min: -1, max: 3, type: "int8", reduceRange: true });
  assert.equal(i.scale[0], Math.fround(4 / 128));
  assert.equal(i.zeroPoint[0], -32); // round(-64 + 1 / (4 / 128))
  const q = quantizeLinear({ x: [-1, 3], dims: [2], ...i });
  assert.deepEqual([...q], [-64, 64]);
});

Deno.test("computeQuantParams: an empty range gives scale 1 and zero point 0", () => {
  for (const type of ["int8", "uint8"] as const) {
    for (const symmetric of [false, true]) {
      const p = computeQuantParams({ min: 0, max: 0, type, symmetric });
      assert.deepEqual([p.scale[0], p.zeroPoint[0]], [1, 0]);
      // Below the smallest normal float32, a range counts as empty too (ORT's finfo.tiny).
      const t = computeQuantParams({ min: 0, max: 1e-37, type, symmetric });
      assert.deepEqual([t.scale[0], t.zeroPoint[0]], [1, 0]);
    }
  }
});

Deno.test("computeQuantParams: minRealRange widens a narrow range", () => {
  const p = computeQuantParams({ min: 0, max: 1e-4, type: "uint8", minRealRange: 0.01 });
  assert.equal(p.scale[0], Math.fround(Math.fround(0.01) / 255));
  assert.equal(p.zeroPoint[0], 0);
  const wide = computeQuantParams({ min: 0, max: 1, type: "uint8", minRealRange: 0.01 });
  assert.equal(wide.scale[0], Math.fround(1 / 255));
});

Deno.test("computeQuantParams: NaN and float32 overflow are errors naming the range", () => {
  assert.throws(
    () => computeQuantParams({ min: NaN, max: 1, type: "int8" }),
    (e) => e instanceof QuantParamsError && /NaN/.test(e.message),
  );
  assert.throws(
    () => computeQuantParams({ min: -3e38, max: 3e38, type: "int8" }),
    (e) => e instanceof QuantParamsError && /overflows float32/.test(e.message),
  );
});

Deno.test("minMax and minMaxPerChannel", () => {
  assert.deepEqual(minMax([3, -1, 2]), { min: -1, max: 3 });
  assert.deepEqual(minMax([]), { min: 0, max: 0 });
  assert.throws(
    () => minMax([1, NaN]),
    (e) => e instanceof QuantParamsError && /element 1 is NaN/.test(e.message),
  );
  // dims [2, 3, 2], values 0..11
  const data = Float32Array.from({ length: 12 }, (_, i) => i);
  const byAxis = (axis: number) => {
    const { min, max } = minMaxPerChannel({ data, dims: [2, 3, 2], axis });
    return [[...min], [...max]];
  };
  assert.deepEqual(byAxis(0), [[0, 6], [5, 11]]);
  assert.deepEqual(byAxis(1), [[0, 2, 4], [7, 9, 11]]);
  assert.deepEqual(byAxis(2), [[0, 1], [10, 11]]);
  assert.deepEqual(byAxis(-1), byAxis(2));
  assert.throws(
    () => minMaxPerChannel({ data, dims: [2, 3, 2], axis: 3 }),
    (e) =>
      e instanceof QuantParamsError &&
      /axis 3 is out of range for a tensor of rank 3/.test(e.message),
  );
  assert.throws(
    () => minMaxPerChannel({ data, dims: [2, 3], axis: 0 }),
    (e) => e instanceof QuantParamsError && /12 elements but dims \[2,3\] hold 6/.test(e.message),
  );
});

Deno.test("computeQuantParamsPerChannel equals per-tensor params of each channel", () => {
  const random = mulberry32(3);
  const dims = [4, 3, 5];
  const data = Float32Array.from({ length: 60 }, () => (random() - 0.3) * 4);
  for (const axis of [0, 1, 2, -1, -3]) {
    for (const type of ["int8", "uint8"] as const) {
      for (const symmetric of [false, true]) {
        const p = computeQuantParamsPerChannel({ data, dims, axis, type, symmetric });
        const a = normalizeAxis("test", axis, 3);
        assert.equal(p.axis, a);
        assert.equal(p.scale.length, dims[a]);
        const { outer, channels, inner } = channelLayout("test", 60, dims, a);
        for (let c = 0; c < channels; c++) {
          const slice: number[] = [];
          for (let o = 0; o < outer; o++) {
            for (let k = 0; k < inner; k++) slice.push(data[(o * channels + c) * inner + k]);
          }
          const one = computeQuantParams({ ...minMax(slice), type, symmetric });
          assert.equal(p.scale[c], one.scale[0], `axis ${axis} channel ${c}`);
          assert.equal(p.zeroPoint[c], one.zeroPoint[0], `axis ${axis} channel ${c}`);
        }
      }
    }
  }
});

Deno.test("dynamicQuantParams: float32 arithmetic of ONNX Runtime's DynamicQuantizeLinear", () => {
  // Computed in float32: scale = (max - min) / 255, zp = round(0 - min / scale).
  const f = Math.fround;
  const min = f(-0.3);
  const max = f(1.7);
  const scale = f(f(max - min) / 255);
  const p = dynamicQuantParams({ min, max });
  assert.equal(p.scale, scale);
  assert.equal(p.zeroPoint, roundHalfToEven(f(0 - f(min / scale))));
  assert.equal(p.zeroPoint, 38);
  assert.deepEqual(dynamicQuantParams({ min: 2, max: 5 }), { scale: f(5 / 255), zeroPoint: 0 });
  assert.deepEqual(dynamicQuantParams({ min: -5, max: -2 }), { scale: f(5 / 255), zeroPoint: 255 });
  assert.deepEqual(dynamicQuantParams({ min: 0, max: 0 }), { scale: 1, zeroPoint: 0 });
});
