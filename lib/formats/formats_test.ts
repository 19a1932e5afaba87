import assert from "node:assert/strict";
import { toBfloat16Bits, toFloat16Bits } from "../onnx/mod.ts";
import { formatBits, formatRange, roundingStats, roundToFormat } from "./mod.ts";

function randomValues(count: number): number[] {
  let s = 12345;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => (next() - 0.5) * 10 ** (next() * 16 - 10));
}

Deno.test("fp32 and fp16 rounding equal the platform's Math.fround and Math.f16round", () => {
  for (const v of [...randomValues(20000), 65504, 65520, 65519.99, 2 ** -24, 2 ** -25, 3e-8]) {
    assert.equal(roundToFormat(v, "fp32").stored, Math.fround(v), `fp32 ${v}`);
    assert.equal(roundToFormat(v, "fp16").stored, Math.f16round(v), `fp16 ${v}`);
  }
});

Deno.test("fp16 and bf16 bits equal lib/onnx's converters on float32 values", () => {
  for (const v of randomValues(20000).map(Math.fround)) {
    assert.equal(roundToFormat(v, "fp16").code, toFloat16Bits(v), `fp16 ${v}`);
    assert.equal(roundToFormat(v, "bf16").code, toBfloat16Bits(v), `bf16 ${v}`);
  }
});

Deno.test("FP8 limits and bits follow the FP8 formats paper (E4M3FN, E5M2)", () => {
  assert.equal(formatRange("fp8-e4m3").max, 448);
  assert.equal(formatRange("fp8-e4m3").minPositive, 2 ** -9);
  assert.equal(formatRange("fp8-e4m3").values, 253);
  assert.equal(formatRange("fp8-e5m2").max, 57344);
  assert.equal(formatRange("fp8-e5m2").minPositive, 2 ** -16);
  assert.equal(formatBits(448, "fp8-e4m3").bits, "01111110");
  assert.equal(formatBits(NaN, "fp8-e4m3").bits, "01111111");
  assert.equal(formatBits(-57344, "fp8-e5m2").bits, "11111011");
  assert.equal(formatBits(Infinity, "fp8-e5m2").bits, "01111100");
  assert.equal(formatBits(2 ** -9, "fp8-e4m3").bits, "00000001");
  assert.equal(roundToFormat(2 ** -11, "fp8-e4m3").underflow, true);
  assert.equal(roundToFormat(500, "fp8-e4m3").overflow, true);
  assert.equal(roundToFormat(464, "fp8-e4m3").stored, 448); // halfway rounds to even, then 448
});

Deno.test("TF32 keeps FP32's range with FP16's 10 mantissa bits", () => {
  assert.equal(formatRange("tf32").max, (2 - 2 ** -10) * 2 ** 127);
  assert.equal(formatRange("tf32").epsilon, formatRange("fp16").epsilon);
  const pi = formatBits(Math.PI, "tf32");
  assert.equal(pi.bits.length, 19);
  assert.equal(pi.stored, 3.140625);
  assert.equal(pi.exponent, formatBits(Math.PI, "fp32").exponent);
});

Deno.test("integers: two's complement codes, clamping and ties to even", () => {
  assert.equal(formatBits(-128, "int8").bits, "10000000");
  assert.equal(formatBits(127.5, "int8").overflow, true); // rounds to 128, clamped to 127
  assert.equal(formatBits(2.5, "int4").stored, 2);
  assert.equal(formatBits(0.4, "int4").underflow, true);
  assert.equal(formatBits(0.75, "int8", { scale: 0.5 }).stored, 1); // 1.5 → 2 steps
});

Deno.test("roundingStats counts rounding, overflow and underflow", () => {
  const values = new Float32Array([0.1, 1, 1e-30, 1000, 70000]);
  const fp16 = roundingStats(values, "fp16");
  assert.deepEqual([fp16.rounded, fp16.overflowed, fp16.underflowed], [3, 1, 1]);
  const e4m3 = roundingStats(values, "fp8-e4m3");
  assert.deepEqual([e4m3.overflowed, e4m3.underflowed], [2, 1]);
  const int8 = roundingStats(values, "int8");
  assert.equal(int8.scale, 70000 / 127);
  assert.deepEqual([int8.overflowed, int8.underflowed], [0, 3]);
});
