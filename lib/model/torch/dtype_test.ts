import assert from "node:assert/strict";
import { byteswap, DTypeConversionError, float16BitsToNumber, toFloat32 } from "./dtype.ts";

const u16 = (values: number[]) => new Uint8Array(new Uint16Array(values).buffer);

Deno.test("toFloat32: float16 special values, subnormals and the largest normal", () => {
  const out = toFloat32(
    u16([0x3c00, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x8000]),
    "F16",
    8,
  );
  assert.deepEqual([...out.slice(0, 6)], [1, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity]);
  assert.ok(Number.isNaN(out[6]));
  assert.ok(Object.is(out[7], -0));
  assert.equal(float16BitsToNumber(0x3555), 0.333251953125);
});

Deno.test("toFloat32: bfloat16 keeps float32's exponent range", () => {
  const out = toFloat32(u16([0x3f80, 0xc000, 0x7f7f, 0x0001]), "BF16", 4);
  assert.deepEqual([...out], [1, -2, 3.3895313892515355e38, 9.183549615799121e-41]);
});

Deno.test("toFloat32: float8 e4m3fn and e5m2", () => {
  const e4m3 = toFloat32(new Uint8Array([0x38, 0x7e, 0xfe, 0x01, 0x7f]), "F8_E4M3", 5);
  assert.deepEqual([...e4m3.slice(0, 4)], [1, 448, -448, 2 ** -9]);
  assert.ok(Number.isNaN(e4m3[4]));
  const e5m2 = toFloat32(new Uint8Array([0x3c, 0x7b, 0xc0]), "F8_E5M2", 3);
  assert.deepEqual([...e5m2], [1, 57344, -2]);
});

Deno.test("toFloat32: float64 rounds to float32; misaligned input is handled", () => {
  const f64 = new Uint8Array(17);
  new DataView(f64.buffer).setFloat64(1, 0.1, true);
  new DataView(f64.buffer).setFloat64(9, -3, true);
  const out = toFloat32(f64.subarray(1), "F64", 2);
  assert.deepEqual([...out], [Math.fround(0.1), -3]);
  const f32 = new Uint8Array(9);
  new DataView(f32.buffer).setFloat32(1, 1.5, true);
  new DataView(f32.buffer).setFloat32(5, -7.25, true);
  assert.deepEqual([...toFloat32(f32.subarray(1), "F32", 2)], [1.5, -7.25]);
});

Deno.test("toFloat32: F32 copies by default and shares memory only when asked", () => {
  const bytes = new Uint8Array(new Float32Array([1, 2]).buffer);
  const copy = toFloat32(bytes, "F32", 2);
  const view = toFloat32(bytes, "F32", 2, { copy: false });
  bytes.set(new Uint8Array(new Float32Array([9]).buffer));
  assert.equal(copy[0], 1);
  assert.equal(view[0], 9);
});

Deno.test("toFloat32: integers convert exactly or fail naming the value", () => {
  const i64 = new Uint8Array(new BigInt64Array([0n, 511n, -5n, 2n ** 40n]).buffer);
  assert.deepEqual([...toFloat32(i64, "I64", 4)], [0, 511, -5, 2 ** 40]);
  const i32 = new Uint8Array(new Int32Array([-(2 ** 31), 16777216]).buffer);
  assert.deepEqual([...toFloat32(i32, "I32", 2)], [-(2 ** 31), 16777216]);
  assert.deepEqual([...toFloat32(new Uint8Array([0, 1, 2]), "BOOL", 3)], [0, 1, 1]);
  assert.deepEqual([...toFloat32(new Uint8Array([255, 128]), "I8", 2)], [-1, -128]);
  const inexact = new Uint8Array(new BigInt64Array([16777217n]).buffer);
  assert.throws(() => toFloat32(inexact, "I64", 1), (error: unknown) => {
    assert.ok(error instanceof DTypeConversionError);
    assert.match(error.message, /16777217 at index 0 .*integers: "skip"/);
    return true;
  });
  const huge = new Uint8Array(new BigUint64Array([2n ** 63n + 1n]).buffer);
  assert.throws(() => toFloat32(huge, "U64", 1), DTypeConversionError);
});

Deno.test("toFloat32: too few bytes is an error; byteswap reverses each element", () => {
  assert.throws(() => toFloat32(new Uint8Array(6), "F32", 2), /need 8 bytes, only 6/);
  assert.deepEqual([...byteswap(new Uint8Array([1, 2, 3, 4, 5, 6]), 2)], [2, 1, 4, 3, 6, 5]);
  const big = new Uint8Array([0x3f, 0x80, 0, 0]); // 1.0 as big-endian float32
  assert.deepEqual([...toFloat32(byteswap(big, 4), "F32", 1)], [1]);
});
