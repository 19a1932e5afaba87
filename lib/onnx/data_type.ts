/**
 * ONNX element types (`TensorProto.DataType`) and the typed arrays the kit stores them in.
 *
 * @module
 */

/** The element types of ONNX tensors, with the numbers of `TensorProto.DataType`. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** One of the {@link DataType} codes. */
export type DataType = typeof DataType[keyof typeof DataType];

/** The data of a tensor. FLOAT16 and BFLOAT16 are raw bits in a `Uint16Array`; BOOL is 0/1 bytes. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A constructor of one of the {@link TensorData} arrays. */
export type TensorDataConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

/** An element type the kit cannot hold in a {@link TensorData} array. */
export class UnsupportedDataTypeError extends Error {
  override name = "UnsupportedDataTypeError";
}

interface TypeInfo {
  name: string;
  bytes: number;
  array: TensorDataConstructor;
  /** The matching `onnxruntime` tensor type. */
  ort: string;
}

const INFO: Record<number, TypeInfo> = {
  [DataType.FLOAT]: { name: "FLOAT", bytes: 4, array: Float32Array, ort: "float32" },
  [DataType.UINT8]: { name: "UINT8", bytes: 1, array: Uint8Array, ort: "uint8" },
  [DataType.INT8]: { name: "INT8", bytes: 1, array: Int8Array, ort: "int8" },
  [DataType.UINT16]: { name: "UINT16", bytes: 2, array: Uint16Array, ort: "uint16" },
  [DataType.INT16]: { name: "INT16", bytes: 2, array: Int16Array, ort: "int16" },
  [DataType.INT32]: { name: "INT32", bytes: 4, array: Int32Array, ort: "int32" },
  [DataType.INT64]: { name: "INT64", bytes: 8, array: BigInt64Array, ort: "int64" },
  [DataType.BOOL]: { name: "BOOL", bytes: 1, array: Uint8Array, ort: "bool" },
  [DataType.FLOAT16]: { name: "FLOAT16", bytes: 2, array: Uint16Array, ort: "float16" },
  [DataType.DOUBLE]: { name: "DOUBLE", bytes: 8, array: Float64Array, ort: "float64" },
  [DataType.UINT32]: { name: "UINT32", bytes: 4, array: Uint32Array, ort: "uint32" },
  [DataType.UINT64]: { name: "UINT64", bytes: 8, array: BigUint64Array, ort: "uint64" },
  [DataType.BFLOAT16]: { name: "BFLOAT16", bytes: 2, array: Uint16Array, ort: "bfloat16" },
};

const NAMES: Record<number, string> = {
  0: "UNDEFINED",
  8: "STRING",
  14: "COMPLEX64",
  15: "COMPLEX128",
  17: "FLOAT8E4M3FN",
  18: "FLOAT8E4M3FNUZ",
  19: "FLOAT8E5M2",
  20: "FLOAT8E5M2FNUZ",
  21: "UINT4",
  22: "INT4",
};

/**
 * The ONNX name of an element type (`"FLOAT"`, `"INT64"`, …), or `"TYPE_<n>"` for unknown codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, dataTypeName } from "./data_type.ts";
 * assert.equal(dataTypeName(DataType.FLOAT16), "FLOAT16");
 * ```
 */
export function dataTypeName(dataType: number): string {
  return INFO[dataType]?.name ?? NAMES[dataType] ?? `TYPE_${dataType}`;
}

/** Whether the kit can hold tensors of this element type (every numeric type and BOOL). */
export function isSupportedDataType(dataType: number): dataType is DataType {
  return INFO[dataType] !== undefined;
}

function infoOf(dataType: number): TypeInfo {
  const info = INFO[dataType];
  if (!info) {
    throw new UnsupportedDataTypeError(
      `ONNX element type ${dataTypeName(dataType)} (${dataType}) is not supported by the kit's ` +
        `tensors; supported: ${Object.values(INFO).map((i) => i.name).join(", ")}.`,
    );
  }
  return info;
}

/**
 * Bytes per element of an element type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, dataTypeByteSize } from "./data_type.ts";
 * assert.equal(dataTypeByteSize(DataType.INT64), 8);
 * assert.equal(dataTypeByteSize(DataType.BFLOAT16), 2);
 * ```
 */
export function dataTypeByteSize(dataType: number): number {
  return infoOf(dataType).bytes;
}

/**
 * The typed-array constructor that holds an element type (`Uint16Array` for FLOAT16/BFLOAT16,
 * `Uint8Array` for BOOL).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, typedArrayConstructor } from "./data_type.ts";
 * assert.equal(typedArrayConstructor(DataType.INT64), BigInt64Array);
 * ```
 */
export function typedArrayConstructor(dataType: number): TensorDataConstructor {
  return infoOf(dataType).array;
}

/**
 * The `onnxruntime` tensor type of an element type (`"float32"`, `"int64"`, `"bool"`, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, ortTensorType } from "./data_type.ts";
 * assert.equal(ortTensorType(DataType.FLOAT), "float32");
 * ```
 */
export function ortTensorType(dataType: number): string {
  return infoOf(dataType).ort;
}

/**
 * Whether `data` is the typed array that holds `dataType`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, dataMatchesType } from "./data_type.ts";
 * assert.equal(dataMatchesType(DataType.FLOAT, new Float32Array(2)), true);
 * assert.equal(dataMatchesType(DataType.FLOAT, new Float64Array(2)), false);
 * ```
 */
export function dataMatchesType(dataType: number, data: TensorData): boolean {
  return INFO[dataType] !== undefined && data instanceof INFO[dataType].array;
}
