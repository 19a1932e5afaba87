/**
 * Tensors of the ONNX model IR: initializers and tensor attributes, with their data in a typed
 * array.
 *
 * @module
 */

import {
  dataMatchesType,
  DataType,
  dataTypeName,
  type TensorData,
  typedArrayConstructor,
} from "./data_type.ts";
import { bfloat16ToFloat32, float16ToFloat32 } from "./float16.ts";

/**
 * A named tensor. `data` is row-major and holds exactly `product(dims)` elements in the typed
 * array of `dataType` (see {@link typedArrayConstructor}): FLOAT16/BFLOAT16 as raw `Uint16Array`
 * bits, BOOL as 0/1 in a `Uint8Array`. Scalars have `dims: []` and one element.
 */
export interface Tensor {
  name: string;
  dataType: DataType;
  dims: number[];
  data: TensorData;
}

/** Values accepted by {@link createTensor}: the typed array itself, or plain numbers/bigints. */
export type TensorValues = TensorData | readonly number[] | readonly bigint[];

/**
 * Number of elements of a tensor with these dimensions (1 for a scalar).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shapeSize } from "./tensor.ts";
 * assert.equal(shapeSize([2, 3, 4]), 24);
 * assert.equal(shapeSize([]), 1);
 * ```
 */
export function shapeSize(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * A tensor of `dataType` and `dims`. `values` may be the matching typed array (kept, not copied),
 * plain numbers or bigints (converted), or omitted (zeros). Throws a `RangeError` naming the
 * tensor when the element count does not match `dims`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, createTensor } from "./mod.ts";
 * const t = createTensor("shape", DataType.INT64, [2], [0, -1]);
 * assert.deepEqual(t.data, new BigInt64Array([0n, -1n]));
 * ```
 */
export function createTensor(
  name: string,
  dataType: DataType,
  dims: readonly number[],
  values?: TensorValues,
): Tensor {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`Tensor "${name}": dimension ${d} in [${dims}] is not a size.`);
    }
  }
  const count = shapeSize(dims);
  const data = values === undefined
    ? new (typedArrayConstructor(dataType))(count)
    : toTensorData(name, dataType, values);
  if (data.length !== count) {
    throw new RangeError(
      `Tensor "${name}": ${data.length} values given for dims [${dims}] (${count} elements).`,
    );
  }
  return { name, dataType, dims: [...dims], data };
}

function toTensorData(name: string, dataType: DataType, values: TensorValues): TensorData {
  if (ArrayBuffer.isView(values)) {
    if (!dataMatchesType(dataType, values)) {
      throw new TypeError(
        `Tensor "${name}": a ${values.constructor.name} cannot hold ${dataTypeName(dataType)}; ` +
          `pass a ${typedArrayConstructor(dataType).name}.`,
      );
    }
    return values;
  }
  const ctor = typedArrayConstructor(dataType);
  const list = values as readonly (number | bigint)[];
  if (ctor === BigInt64Array) return BigInt64Array.from(list, (v) => BigInt(v));
  if (ctor === BigUint64Array) return BigUint64Array.from(list, (v) => BigInt(v));
  return (ctor as Float64ArrayConstructor).from(list, Number);
}

/**
 * The tensor's values as float32, whatever its element type (FLOAT16/BFLOAT16 bits decoded,
 * integers converted). FLOAT data is returned as is, not copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, createTensor, tensorToFloat32 } from "./mod.ts";
 * const half = createTensor("h", DataType.FLOAT16, [2], new Uint16Array([0x3c00, 0x3800]));
 * assert.deepEqual(tensorToFloat32(half), new Float32Array([1, 0.5]));
 * ```
 */
export function tensorToFloat32(tensor: Tensor): Float32Array {
  const { data, dataType } = tensor;
  if (dataType === DataType.FLOAT) return data as Float32Array;
  if (dataType === DataType.FLOAT16) return float16ToFloat32(data as Uint16Array);
  if (dataType === DataType.BFLOAT16) return bfloat16ToFloat32(data as Uint16Array);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/**
 * The tensor's data as little-endian bytes (a view, not a copy): ONNX `raw_data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, createTensor, tensorBytes } from "./mod.ts";
 * const t = createTensor("x", DataType.INT32, [1], [258]);
 * assert.deepEqual(tensorBytes(t), new Uint8Array([2, 1, 0, 0]));
 * ```
 */
export function tensorBytes(tensor: Tensor): Uint8Array {
  const { data } = tensor;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
