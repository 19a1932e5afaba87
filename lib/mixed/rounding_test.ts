import assert from "node:assert/strict";
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from "../onnx/mod.ts";
import { BF16_MAX, FP16_MAX, roundFloat32 } from "./rounding.ts";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 value of `bits`. */
function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/**
 * An independent BFLOAT16 rounding: the two bf16 neighbours of x, compared exactly in float64
 * (both differences are exact there), ties to the even mantissa. The neighbour above bf16's max is
 * 2^128, as IEEE rounding treats infinity.
 */
function referenceBf16(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  const bits = (() => {
    f32[0] = x;
    return u32[0];
  })();
  const sign = bits & 0x80000000 ? 0x8000 : 0;
  const magnitude = Math.abs(x);
  if (magnitude === Infinity) return sign | 0x7f80;
  const low = (bits & 0x7fff0000) >>> 16; // truncated magnitude bits
  const value = (b: number) => {
    const e = b >>> 7;
    const m = b & 0x7f;
    return e === 0 ? m * 2 ** -133 : (1 + m / 128) * 2 ** (e - 127); // 0x7f80 → 2^128
  };
  const below = magnitude - value(low);
  const above = value(low + 1) - magnitude;
  const chosen = below < above || (below === above && (low & 1) === 0) ? low : low + 1;
  return sign | chosen;
}

Deno.test("toFloat16Bits matches the platform's Float16Array on 1M float32 bit patterns", () => {
  const reference = new Float16Array(1);
  const referenceBits = new Uint16Array(reference.buffer);
  let checked = 0;
  // Every 4099th bit pattern (all exponents, both signs), plus all patterns around each
  // fp16 rounding boundary in the normal and subnormal range.
  const patterns: number[] = [];
  for (let b = 0; b < 2 ** 32; b += 4099) patterns.push(b);
  for (let h = 0; h < 0x7c00; h++) {
    const mid = (fromFloat16Bits(h) + fromFloat16Bits(h + 1)) / 2; // exact in float32
    f32[0] = mid;
    const m = u32[0];
    for (const b of [m - 1, m, m + 1]) patterns.push(b, b | 0x80000000);
  }
  for (const b of patterns) {
    const x = fromBits(b);
    reference[0] = x;
    const expected = Number.isNaN(x) ? NaN : referenceBits[0];
    const got = toFloat16Bits(x);
    if (Number.isNaN(x)) {
      assert.ok(Number.isNaN(fromFloat16Bits(got)), `NaN pattern ${b.toString(16)} stays NaN`);
      assert.equal(got & 0x0200, 0x0200, "quiet NaN");
    } else if (got !== expected) {
      assert.fail(
        `float32 ${b.toString(16)} (${x}): kit 0x${got.toString(16)}, ref 0x${
          expected.toString(16)
        }`,
      );
    }
    checked++;
  }
  assert.ok(checked > 1_000_000);
});

Deno.test("toBfloat16Bits matches an exact float64 rounding on 1M float32 bit patterns", () => {
  const patterns: number[] = [];
  for (let b = 0; b < 2 ** 32; b += 4099) patterns.push(b);
  // Around every tie: low 16 bits 0x7fff, 0x8000, 0x8001 for many upper halves.
  for (let hi = 0; hi < 0x10000; hi += 7) {
    for (const lo of [0x7fff, 0x8000, 0x8001]) patterns.push(((hi << 16) | lo) >>> 0);
  }
  for (const b of patterns) {
    const x = fromBits(b);
    const got = toBfloat16Bits(x);
    if (Number.isNaN(x)) {
      assert.ok(Number.isNaN(fromBfloat16Bits(got)) && (got & 0x40) === 0x40, `quiet NaN for ${b}`);
      continue;
    }
    const expected = referenceBf16(x);
    if (got !== expected) {
      assert.fail(
        `float32 0x${b.toString(16)} (${x}): kit 0x${got.toString(16)}, ref 0x${
          expected.toString(16)
        }`,
      );
    }
  }
});

Deno.test("BF16 rounding on hand-picked values", () => {
  const cases: [string, number, number][] = [
    ["tie, even below: stays", 0x3f808000, 0x3f80],
    ["tie, odd below: rounds up", 0x3f818000, 0x3f82],
    ["negative tie, even below", 0xbf808000, 0xbf80],
    ["negative tie, odd below", 0xbf818000, 0xbf82],
    ["just under a tie rounds down", 0x3f817fff, 0x3f81],
    ["just over a tie rounds up", 0x3f808001, 0x3f81],
    ["mantissa carry bumps the exponent", 0x3fffffff, 0x4000],
    ["+0", 0x00000000, 0x0000],
    ["-0", 0x80000000, 0x8000],
    ["smallest float32 subnormal → +0", 0x00000001, 0x0000],
    ["subnormal tie, even below → 0", 0x00008000, 0x0000],
    ["subnormal tie, odd below → up", 0x00018000, 0x0002],
    ["exact bf16 subnormal", 0x00010000, 0x0001],
    ["largest subnormal rounds up to the smallest normal", 0x007fffff, 0x0080],
    ["+Infinity", 0x7f800000, 0x7f80],
    ["-Infinity", 0xff800000, 0xff80],
    ["bf16 max is exact", 0x7f7f0000, 0x7f7f],
    ["just below max + half ulp stays max", 0x7f7f7fff, 0x7f7f],
    ["max + half ulp (tie, odd) → +Infinity", 0x7f7f8000, 0x7f80],
    ["float32 max rounds up to +Infinity", 0x7f7fffff, 0x7f80],
    ["float32 lowest rounds to -Infinity", 0xff7fffff, 0xff80],
    ["quiet NaN", 0x7fc00000, 0x7fc0],
    ["signalling NaN with a low payload stays NaN (not Inf)", 0x7f800001, 0x7fc0],
    ["negative NaN keeps its sign", 0xffc00001, 0xffc0],
  ];
  for (const [label, bits, expected] of cases) {
    assert.equal(toBfloat16Bits(fromBits(bits)), expected, label);
  }
  assert.equal(fromBfloat16Bits(0x7f7f), BF16_MAX);
});

Deno.test("FP16 rounding on hand-picked values", () => {
  const cases: [string, number, number][] = [
    ["1", 1, 0x3c00],
    ["max finite", 65504, 0x7bff],
    ["below max + half ulp", 65519.99609375, 0x7bff],
    ["max + half ulp (tie, odd) → Infinity", 65520, 0x7c00],
    ["smallest subnormal", 2 ** -24, 0x0001],
    ["half the smallest subnormal (tie, even) → 0", 2 ** -25, 0x0000],
    ["just above the tie rounds up", 2 ** -25 * (1 + 2 ** -23), 0x0001],
    ["3 half-subnormals (tie, odd) → 2", 3 * 2 ** -25, 0x0002],
    [
      "largest subnormal + half ulp (tie, odd) → smallest normal",
      2 ** -14 * (1 - 2 ** -11),
      0x0400,
    ],
    ["tie in the normal range, even below", 1 + 2 ** -11, 0x3c00],
    ["tie in the normal range, odd below", 1 + 3 * 2 ** -11, 0x3c02],
    ["-Infinity", -Infinity, 0xfc00],
    ["NaN is a quiet NaN", NaN, 0x7e00],
  ];
  for (const [label, value, expected] of cases) {
    assert.equal(toFloat16Bits(value), expected, label);
  }
});

Deno.test("roundFloat32: fp16 clamps overflow when saturating, counts underflow", () => {
  const values = new Float32Array([1e5, -7e4, 65520, 3.4e38, Infinity, NaN, 1e-9, 0.5]);
  const clamped = roundFloat32(values, "fp16", { saturate: true });
  assert.deepEqual(
    [...clamped.bits].map((b) => b.toString(16)),
    ["7bff", "fbff", "7bff", "7bff", "7c00", "7e00", "0", "3800"],
  );
  assert.equal(clamped.clamped, 4); // Infinity and NaN are kept, not counted
  assert.equal(clamped.overflowed, 0);
  assert.equal(clamped.underflowed, 1);
  assert.equal(clamped.maxAbs, Math.fround(3.4e38));
  const raw = roundFloat32(values, "fp16");
  assert.equal(raw.bits[0], 0x7c00);
  assert.equal(raw.overflowed, 4);
  assert.equal(raw.clamped, 0);
  assert.equal(fromFloat16Bits(clamped.bits[0]), FP16_MAX);
});

Deno.test("roundFloat32: bf16 keeps round-to-nearest-even overflow unless saturating", () => {
  const values = new Float32Array([fromBits(0x7f7fffff), fromBits(0xff7f8000), 1]);
  const rne = roundFloat32(values, "bf16");
  assert.deepEqual([...rne.bits], [0x7f80, 0xff80, 0x3f80]);
  assert.equal(rne.overflowed, 2);
  const saturated = roundFloat32(values, "bf16", { saturate: true });
  assert.deepEqual([...saturated.bits], [0x7f7f, 0xff7f, 0x3f80]);
  assert.equal(saturated.clamped, 2);
});
