import assert from "node:assert/strict";
import {
  createTensor,
  DataType,
  dataTypeByteSize,
  dataTypeName,
  float32ToBfloat16,
  float32ToFloat16,
  fromBfloat16Bits,
  fromFloat16Bits,
  ortTensorType,
  tensorToFloat32,
  toFloat16Bits,
  typedArrayConstructor,
  UnsupportedDataTypeError,
} from "./mod.ts";

Deno.test("DataType codes match TensorProto.DataType and map to typed arrays", () => {
  const expected: [number, string, number, unknown][] = [
    [1, "FLOAT", 4, Float32Array],
    [2, "UINT8", 1, Uint8Array],
    [3, "INT8", 1, Int8Array],
    [4, "UINT16", 2, Uint16Array],
    [5, "INT16", 2, Int16Array],
    [6, "INT32", 4, Int32Array],
    [7, "INT64", 8, BigInt64Array],
    [9, "BOOL", 1, Uint8Array],
    [10, "FLOAT16", 2, Uint16Array],
    [11, "DOUBLE", 8, Float64Array],
    [12, "UINT32", 4, Uint32Array],
    [13, "UINT64", 8, BigUint64Array],
    [16, "BFLOAT16", 2, Uint16Array],
  ];
  for (const [code, name, bytes, ctor] of expected) {
    assert.equal((DataType as Record<string, number>)[name], code);
    assert.equal(dataTypeName(code), name);
    assert.equal(dataTypeByteSize(code), bytes);
    assert.equal(typedArrayConstructor(code), ctor);
  }
  assert.equal(ortTensorType(DataType.BOOL), "bool");
  assert.equal(dataTypeName(DataType.STRING), "STRING");
  assert.throws(() => dataTypeByteSize(DataType.STRING), UnsupportedDataTypeError);
});

Deno.test("createTensor converts values and checks counts", () => {
  assert.deepEqual(createTensor("z", DataType.FLOAT, [2, 2]).data, new Float32Array(4));
  assert.deepEqual(
    createTensor("u", DataType.UINT64, [1], [2n ** 64n - 1n]).data,
    new BigUint64Array([2n ** 64n - 1n]),
  );
  assert.throws(() => createTensor("x", DataType.FLOAT, [3], [1, 2]), /"x": 2 values given/);
  assert.throws(
    () => createTensor("x", DataType.FLOAT, [2], new Float64Array(2)),
    /Float64Array cannot hold FLOAT/,
  );
  assert.throws(() => createTensor("x", DataType.FLOAT, [-1]), /not a size/);
});

Deno.test("float16 and bfloat16 conversions round to nearest even", () => {
  const values = [0, -0, 1, -1, 0.1, 1 / 3, 65504, 65520, 1e-8, 6e-8, 2 ** -24, 2 ** -25, 3e-5];
  for (const v of values) {
    const bits = toFloat16Bits(v);
    const native = new Uint16Array(new Float16Array([v]).buffer)[0];
    assert.equal(bits, native, `float16 of ${v}`);
    assert.equal(fromFloat16Bits(bits), new Float16Array([v])[0], `value of ${v}`);
  }
  assert.equal(toFloat16Bits(65520), 0x7c00); // rounds up to +Infinity
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  assert.equal(fromFloat16Bits(toFloat16Bits(-Infinity)), -Infinity);
  // bfloat16 keeps float32's exponent: 1 + 2^-8 is a tie and rounds to even (1).
  assert.deepEqual(
    float32ToBfloat16([1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38]),
    new Uint16Array([0x3f80, 0x3f82, 0x7f80]),
  );
  assert.equal(fromBfloat16Bits(0x4049), 3.140625);
  const half = createTensor("h", DataType.FLOAT16, [3], float32ToFloat16([0.5, -2, 1000]));
  assert.deepEqual(tensorToFloat32(half), new Float32Array([0.5, -2, 1000]));
  const bf = createTensor("b", DataType.BFLOAT16, [1], float32ToBfloat16([-0.75]));
  assert.deepEqual(tensorToFloat32(bf), new Float32Array([-0.75]));
  const ints = createTensor("i", DataType.INT64, [2], [-3, 4]);
  assert.deepEqual(tensorToFloat32(ints), new Float32Array([-3, 4]));
});
