/**
 * Internal: the protobuf classes of onnx.proto (package `onnx-proto`) and int64 conversions.
 * protobufjs gives int64 fields as `Long` objects or numbers; the kit's IR uses numbers (and
 * bigints in INT64 tensor data).
 *
 * @module
 */

import * as onnxProto from "onnx-proto";

const root = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;

/** The generated onnx.proto namespace (`onnx.ModelProto`, `onnx.TensorProto`, …). */
export const onnx: typeof onnxProto.onnx = root.onnx;

export type IModelProto = onnxProto.onnx.IModelProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** A protobufjs int64 as it may arrive: a number, a `Long`-like object, or nothing. */
export type Int64Like =
  | number
  | { low: number; high: number; unsigned?: boolean }
  | null
  | undefined;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** An int64 field as a bigint (0n when absent). */
export function int64ToBigInt(value: Int64Like): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "number") return BigInt(Math.trunc(value));
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return value.unsigned ? bits : BigInt.asIntN(64, bits);
}

/** An int64 field as a number (0 when absent); beyond ±2^53 the nearest double. */
export function int64ToNumber(value: Int64Like): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return value;
  return Number(int64ToBigInt(value));
}

/**
 * A number or bigint as protobufjs encodes int64: safe integers as numbers, others as a
 * `{ low, high }` pair, saturated to the int64 range (so INT64 max/min round-trip exactly).
 */
export function toInt64(value: number | bigint): number | { low: number; high: number } {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  let big: bigint;
  if (typeof value === "bigint") big = value;
  else if (Number.isNaN(value)) big = 0n;
  else if (value >= 2 ** 63) big = INT64_MAX;
  else if (value <= -(2 ** 63)) big = INT64_MIN;
  else big = BigInt(Math.trunc(value));
  if (big > INT64_MAX) big = INT64_MAX;
  if (big < INT64_MIN) big = INT64_MIN;
  const bits = BigInt.asUintN(64, big);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0 };
}

/** True on little-endian hosts; ONNX raw_data is little-endian and the kit views it directly. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
