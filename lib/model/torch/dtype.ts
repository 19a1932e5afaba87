/**
 * Element types of stored tensors (named as safetensors names them) and their conversion to
 * float32, the one element type of a `WeightMap` (`../weights.ts`). Shared by the safetensors reader and the
 * PyTorch checkpoint readers.
 *
 * @module
 */
/** An element type as safetensors spells it; PyTorch storage types map onto these. */
export type DType =
  | "F64"
  | "F32"
  | "F16"
  | "BF16"
  | "F8_E4M3"
  | "F8_E5M2"
  | "I64"
  | "I32"
  | "I16"
  | "I8"
  | "U64"
  | "U32"
  | "U16"
  | "U8"
  | "BOOL";

/** Bytes per element of each {@link DType}. */
export const DTYPE_SIZES: Readonly<Record<DType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** True for the element types that hold integers or booleans rather than real numbers. */
export function isIntegerDType(dtype: DType): boolean {
  return dtype[0] === "I" || dtype[0] === "U" || dtype === "BOOL";
}

/** True when `name` is a {@link DType} this kit can convert. */
export function isDType(name: unknown): name is DType {
  return typeof name === "string" && Object.hasOwn(DTYPE_SIZES, name);
}

/**
 * How the readers treat integer and boolean tensors (buffers such as DistilBERT's `position_ids`,
 * int64). A `WeightMap` holds float32 only, so they are either converted (`"convert"`, the
 * default: every value must be exactly representable in float32, i.e. |v| ≤ 2^24 or a multiple
 * of a power of two that fits, or the read fails naming the tensor) or left out (`"skip"`).
 */
export interface ReadWeightsOptions {
  integers?: "convert" | "skip";
}

/** A conversion was impossible; the readers re-throw it with the file and tensor named. */
export class DTypeConversionError extends Error {
  override name = "DTypeConversionError";
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Throws unless the host is little-endian (every platform Deno runs on is). */
export function assertLittleEndianHost(): void {
  if (!LITTLE_ENDIAN_HOST) {
    throw new DTypeConversionError(
      "this host is big-endian; the weight readers assume a little-endian host (x86-64, arm64).",
    );
  }
}

/** Returns a copy of `bytes` with every `size`-byte element reversed (big ↔ little endian). */
export function byteswap(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  }
  return out;
}

let halfTable: Float32Array | undefined;

/** float16 bit pattern → float32 value, for all 65,536 patterns (256 KiB, built once). */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = float16BitsToNumber(h);
  halfTable = table;
  return table;
}

/**
 * Decodes one IEEE 754 half-precision bit pattern.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { float16BitsToNumber } from "./dtype.ts";
 * assert.equal(float16BitsToNumber(0x3c00), 1);
 * assert.equal(float16BitsToNumber(0xc000), -2);
 * assert.equal(float16BitsToNumber(0x0001), 2 ** -24);
 * ```
 */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let e4m3Table: Float32Array | undefined;

/** float8 e4m3fn (bias 7, no infinities, 0x7f/0xff are NaN) → float32 for all 256 patterns. */
function float8E4M3Table(): Float32Array {
  if (e4m3Table) return e4m3Table;
  const table = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    const sign = b & 0x80 ? -1 : 1;
    const exponent = (b >> 3) & 0xf;
    const mantissa = b & 0x7;
    if (exponent === 0xf && mantissa === 0x7) table[b] = NaN;
    else if (exponent === 0) table[b] = sign * mantissa * 2 ** -9;
    else table[b] = sign * (1 + mantissa / 8) * 2 ** (exponent - 7);
  }
  e4m3Table = table;
  return table;
}

/** A Float32Array over `bytes` without copying when aligned, else over a copy. */
function float32View(bytes: Uint8Array, count: number, copy: boolean): Float32Array {
  if (!copy && bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  }
  return new Float32Array(bytes.slice(0, count * 4).buffer);
}

/** `count` elements of `size` bytes from `bytes`, aligned for a typed array (copied if not). */
function alignedBytes(bytes: Uint8Array, size: number, count: number): Uint8Array {
  const view = bytes.subarray(0, count * size);
  return view.byteOffset % size === 0 ? view : view.slice();
}

type TypedArrayClass<T> = new (buffer: ArrayBuffer, byteOffset: number, length: number) => T;

/** A typed array of `count` elements over `bytes` (over a copy when `bytes` is misaligned). */
function typed<T>(Kind: TypedArrayClass<T>, bytes: Uint8Array, size: number, count: number): T {
  const view = alignedBytes(bytes, size, count);
  return new Kind(view.buffer as ArrayBuffer, view.byteOffset, count);
}

function checkExact(out: Float32Array, values: ArrayLike<number>, count: number): Float32Array {
  for (let i = 0; i < count; i++) {
    if (out[i] !== values[i]) {
      throw new DTypeConversionError(
        `value ${values[i]} at index ${i} is not exactly representable in float32; ` +
          `read with { integers: "skip" } to leave integer buffers out.`,
      );
    }
  }
  return out;
}

/** Conversion options of {@link toFloat32}. */
export interface ToFloat32Options {
  /**
   * For F32 data that is 4-byte aligned: `false` returns a view sharing `bytes`' memory (no copy;
   * only when the caller owns `bytes` and hands it over). Default `true`: always a fresh array.
   */
  copy?: boolean;
}

/**
 * Converts `count` little-endian elements of `dtype` at the start of `bytes` to float32.
 * Integers must be exactly representable (else {@link DTypeConversionError}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toFloat32 } from "./dtype.ts";
 * const bf16 = new Uint8Array([0x80, 0x3f, 0x00, 0xc0]); // 1.0, -2.0
 * assert.deepEqual([...toFloat32(bf16, "BF16", 2)], [1, -2]);
 * const i64 = new Uint8Array(new BigInt64Array([511n, -3n]).buffer);
 * assert.deepEqual([...toFloat32(i64, "I64", 2)], [511, -3]);
 * ```
 */
export function toFloat32(
  bytes: Uint8Array,
  dtype: DType,
  count: number,
  options: ToFloat32Options = {},
): Float32Array {
  assertLittleEndianHost();
  const size = DTYPE_SIZES[dtype];
  if (bytes.length < count * size) {
    throw new DTypeConversionError(
      `${count} ${dtype} elements need ${count * size} bytes, only ${bytes.length} are there.`,
    );
  }
  const out = dtype === "F32" ? undefined : new Float32Array(count);
  switch (dtype) {
    case "F32":
      return float32View(bytes, count, options.copy ?? true);
    case "F64": {
      const src = typed(Float64Array, bytes, 8, count);
      out!.set(src);
      return out!;
    }
    case "F16": {
      const table = float16Table();
      const src = typed(Uint16Array, bytes, 2, count);
      for (let i = 0; i < count; i++) out![i] = table[src[i]];
      return out!;
    }
    case "BF16": {
      const src = typed(Uint16Array, bytes, 2, count);
      const bits = new Uint32Array(out!.buffer);
      for (let i = 0; i < count; i++) bits[i] = src[i] << 16;
      return out!;
    }
    case "F8_E5M2": {
      const table = float16Table();
      for (let i = 0; i < count; i++) out![i] = table[bytes[i] << 8];
      return out!;
    }
    case "F8_E4M3": {
      const table = float8E4M3Table();
      for (let i = 0; i < count; i++) out![i] = table[bytes[i]];
      return out!;
    }
    case "I64":
    case "U64": {
      const src = typed(Int32Array, bytes, 4, count * 2);
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const low = src[2 * i] >>> 0;
        const high = dtype === "I64" ? src[2 * i + 1] : src[2 * i + 1] >>> 0;
        values[i] = high * 4294967296 + low;
        if (!Number.isSafeInteger(values[i])) values[i] = NaN; // forces the exactness error
      }
      out!.set(values);
      return checkExact(out!, values, count);
    }
    case "I32":
    case "U32": {
      const src = dtype === "I32"
        ? typed(Int32Array, bytes, 4, count)
        : typed(Uint32Array, bytes, 4, count);
      out!.set(src);
      return checkExact(out!, src, count);
    }
    case "I16":
    case "U16": {
      const src = dtype === "I16"
        ? typed(Int16Array, bytes, 2, count)
        : typed(Uint16Array, bytes, 2, count);
      out!.set(src);
      return out!;
    }
    case "I8":
      out!.set(new Int8Array(bytes.buffer, bytes.byteOffset, count));
      return out!;
    case "U8":
      out!.set(bytes.subarray(0, count));
      return out!;
    case "BOOL":
      for (let i = 0; i < count; i++) out![i] = bytes[i] ? 1 : 0;
      return out!;
  }
}
