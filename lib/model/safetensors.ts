/**
 * Reads and writes the safetensors format (`model.safetensors`): an 8-byte little-endian header
 * length N, N bytes of JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, …,
 * "__metadata__": {string: string}}`), then the tensor bytes, little-endian, offsets relative to
 * the end of the header. Every header is validated before any tensor is read: dtypes known,
 * shapes consistent with byte lengths, offsets in range, no overlaps and no holes.
 *
 * No npm package was used: the only one named `safetensors` is an unmaintained 0.0.1 and the
 * format is small.
 *
 * @module
 */
import type { WeightMap, WeightTensor } from "./weights.ts";
import { elementCount } from "./weights.ts";
import {
  type DType,
  DTYPE_SIZES,
  DTypeConversionError,
  isDType,
  isIntegerDType,
  type ReadWeightsOptions,
  toFloat32,
} from "./torch/dtype.ts";

/** A safetensors file is malformed or cannot be read; the message names the file and tensor. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

/** Largest header the reference implementation accepts (100 MB). */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

/** One tensor of a safetensors header; `begin`/`end` are relative to the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated safetensors header. */
export interface SafetensorsHeader {
  /** N, the JSON header's length in bytes. */
  headerLength: number;
  /** Absolute file position of the first tensor byte (8 + N). */
  dataStart: number;
  /** The `__metadata__` strings (e.g. `{ format: "pt" }`), empty when absent. */
  metadata: Record<string, string>;
  /** Tensors in the header's order. */
  tensors: SafetensorsEntry[];
}

function fail(source: string, message: string): never {
  throw new SafetensorsError(`${source}: ${message}`);
}

/** N from the first 8 bytes, validated against the file's length and the 100 MB limit. */
function headerLength(prefix: Uint8Array, fileLength: number, source: string): number {
  if (fileLength < 8 || prefix.length < 8) {
    fail(
      source,
      `is ${fileLength} bytes, too short for a safetensors file (8-byte header length).`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 4294967296;
  if (n > MAX_SAFETENSORS_HEADER) {
    fail(
      source,
      `header length ${n} is beyond the ${MAX_SAFETENSORS_HEADER}-byte limit; the file is not ` +
        "safetensors (a pytorch_model.bin is read with readTorchCheckpoint).",
    );
  }
  if (8 + n > fileLength) {
    fail(source, `header length ${n} runs past the end of the ${fileLength}-byte file.`);
  }
  if (n < 2) fail(source, `header length ${n} is too short for a JSON object.`);
  return n;
}

function entry(name: string, raw: unknown, dataLength: number, source: string): SafetensorsEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    fail(source, `${where}: header entry is not an object.`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDType(dtype)) {
    fail(
      source,
      `${where}: dtype ${JSON.stringify(dtype)} is not supported (supported: ` +
        `${Object.keys(DTYPE_SIZES).join(", ")}).`,
    );
  }
  const nonNegative = (v: unknown) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(nonNegative)) {
    fail(source, `${where}: shape ${JSON.stringify(shape)} is not a list of sizes.`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(nonNegative)) {
    fail(source, `${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end].`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataLength) {
    fail(
      source,
      `${where}: data_offsets [${begin}, ${end}] are outside the data section of ` +
        `${dataLength} bytes; the file is truncated or corrupt.`,
    );
  }
  const expected = elementCount(shape) * DTYPE_SIZES[dtype];
  if (end - begin !== expected) {
    fail(
      source,
      `${where}: shape [${shape}] of ${dtype} needs ${expected} bytes but data_offsets span ` +
        `${end - begin}.`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Checks that the tensors tile the data section exactly: no overlap, no hole, no tail. */
function checkLayout(tensors: SafetensorsEntry[], dataLength: number, source: string): void {
  const sorted = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous = "the start of the data section";
  for (const t of sorted) {
    if (t.begin < position) {
      fail(source, `tensor ${JSON.stringify(t.name)} overlaps ${previous} (byte ${t.begin}).`);
    }
    if (t.begin > position) {
      fail(
        source,
        `bytes ${position}..${t.begin} between ${previous} and tensor ` +
          `${JSON.stringify(t.name)} belong to no tensor; the file is corrupt.`,
      );
    }
    position = t.end;
    previous = `tensor ${JSON.stringify(t.name)}`;
  }
  if (position !== dataLength) {
    fail(
      source,
      `the data section has ${dataLength - position} bytes after the last tensor; the file is ` +
        "corrupt.",
    );
  }
}

/**
 * Validates a safetensors header. `prefix` holds at least the file's first 8 + N bytes;
 * `fileLength` is the whole file's size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSafetensorsHeader, serializeSafetensors } from "./safetensors.ts";
 * const bytes = serializeSafetensors(new Map([["b", { shape: [2], data: new Float32Array(2) }]]));
 * const header = parseSafetensorsHeader(bytes, bytes.length, "demo.safetensors");
 * assert.deepEqual(header.tensors[0], { name: "b", dtype: "F32", shape: [2], begin: 0, end: 8 });
 * ```
 */
export function parseSafetensorsHeader(
  prefix: Uint8Array,
  fileLength: number,
  source = "model.safetensors",
): SafetensorsHeader {
  const n = headerLength(prefix, fileLength, source);
  if (prefix.length < 8 + n) fail(source, `only ${prefix.length} of ${8 + n} header bytes given.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(prefix.subarray(8, 8 + n)));
  } catch (error) {
    fail(source, `header is not valid UTF-8 JSON (${(error as Error).message}).`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    fail(source, "header is not a JSON object.");
  }
  const dataLength = fileLength - 8 - n;
  const metadata: Record<string, string> = {};
  const tensors: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        fail(source, "__metadata__ is not an object of strings.");
      }
      for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value !== "string") fail(source, `__metadata__.${key} is not a string.`);
        metadata[key] = value;
      }
    } else {
      tensors.push(entry(name, raw, dataLength, source));
    }
  }
  checkLayout(tensors, dataLength, source);
  return { headerLength: n, dataStart: 8 + n, metadata, tensors };
}

function convert(
  bytes: Uint8Array,
  t: SafetensorsEntry,
  source: string,
  copy: boolean,
): WeightTensor {
  try {
    return {
      shape: [...t.shape],
      data: toFloat32(bytes, t.dtype, elementCount(t.shape), { copy }),
    };
  } catch (error) {
    if (error instanceof DTypeConversionError) {
      throw new SafetensorsError(
        `${source}: tensor ${JSON.stringify(t.name)} (${t.dtype}): ` +
          error.message,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Reads safetensors bytes already in memory into a {@link WeightMap} (each tensor a float32
 * copy; F16/BF16/F64/F8 converted; integer tensors per `options.integers`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSafetensors } from "./safetensors.ts";
 * const header = new TextEncoder().encode(
 *   JSON.stringify({ w: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }),
 * );
 * const bytes = new Uint8Array(8 + header.length + 4);
 * new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
 * bytes.set(header, 8);
 * bytes.set([0x00, 0x3c, 0x00, 0xc0], 8 + header.length); // float16 1.0, -2.0
 * const weights = parseSafetensors(bytes, "demo.safetensors");
 * assert.deepEqual(weights.get("w"), { shape: [2], data: new Float32Array([1, -2]) });
 * ```
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = "model.safetensors",
  options: ReadWeightsOptions = {},
): WeightMap {
  const header = parseSafetensorsHeader(bytes, bytes.length, source);
  const weights: WeightMap = new Map();
  for (const t of header.tensors) {
    if (isIntegerDType(t.dtype) && options.integers === "skip") continue;
    const start = header.dataStart;
    weights.set(t.name, convert(bytes.subarray(start + t.begin, start + t.end), t, source, true));
  }
  return weights;
}

async function readFully(file: Deno.FsFile, into: Uint8Array, source: string, what: string) {
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) fail(source, `the file ends inside ${what}; it is truncated (or changed).`);
    filled += n;
  }
}

/**
 * Reads `model.safetensors` into a {@link WeightMap}. The header is read and validated first;
 * then each tensor is read straight from the file into its own buffer (F32 tensors land in their
 * final Float32Array: no intermediate copy of the file is made).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSafetensors, SafetensorsError } from "./safetensors.ts";
 * await assert.rejects(readSafetensors("no/such/model.safetensors"), SafetensorsError);
 * ```
 */
export async function readSafetensors(
  path: string,
  options: ReadWeightsOptions = {},
): Promise<WeightMap> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new SafetensorsError(
      `${path}: cannot be read (${(error as Error).message}); check the path.`,
      { cause: error },
    );
  }
  try {
    const fileLength = (await file.stat()).size;
    const lengthBytes = new Uint8Array(8);
    if (fileLength >= 8) await readFully(file, lengthBytes, path, "the header length");
    const n = headerLength(lengthBytes, fileLength, path);
    const prefix = new Uint8Array(8 + n);
    prefix.set(lengthBytes);
    await readFully(file, prefix.subarray(8), path, "the header");
    const header = parseSafetensorsHeader(prefix, fileLength, path);
    const loaded = new Map<string, WeightTensor>();
    const byOffset = [...header.tensors].sort((a, b) => a.begin - b.begin);
    for (const t of byOffset) {
      if (isIntegerDType(t.dtype) && options.integers === "skip") continue;
      await file.seek(header.dataStart + t.begin, Deno.SeekMode.Start);
      const what = `tensor ${JSON.stringify(t.name)}`;
      if (t.dtype === "F32") {
        const data = new Float32Array(elementCount(t.shape));
        await readFully(file, new Uint8Array(data.buffer), path, what);
        loaded.set(t.name, { shape: [...t.shape], data });
      } else {
        const raw = new Uint8Array(t.end - t.begin);
        await readFully(file, raw, path, what);
        loaded.set(t.name, convert(raw, t, path, false));
      }
    }
    const weights: WeightMap = new Map();
    for (const t of header.tensors) {
      const tensor = loaded.get(t.name);
      if (tensor) weights.set(t.name, tensor);
    }
    return weights;
  } finally {
    file.close();
  }
}

/**
 * Encodes float32 weights as safetensors bytes (dtype F32, tensors in the map's order, header
 * padded with spaces to a multiple of 8 bytes as the reference implementation does). Write the
 * result with `writeFileAtomic` from `lib/fs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSafetensors, serializeSafetensors } from "./safetensors.ts";
 * const weights = new Map([["w", { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]);
 * const bytes = serializeSafetensors(weights, { format: "pt" });
 * assert.deepEqual(parseSafetensors(bytes), weights);
 * ```
 */
export function serializeSafetensors(
  weights: WeightMap,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, data }] of weights) {
    if (data.length !== elementCount(shape)) {
      throw new SafetensorsError(
        `tensor ${JSON.stringify(name)}: shape [${shape}] needs ${elementCount(shape)} values, ` +
          `data has ${data.length}.`,
      );
    }
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const { data } of weights.values()) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}
