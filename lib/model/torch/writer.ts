/**
 * Writes a float32 state dict as `pytorch_model.bin` in either of PyTorch's serializations, using
 * only the globals the kit's reader allows (`collections.OrderedDict`,
 * `torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`): the zip form of torch ≥ 1.6 and the
 * legacy pickle stream of torch < 1.6. The output is deterministic (no timestamps that change, one
 * storage per tensor in the map's order), so fixtures written with it can be compared byte for
 * byte.
 *
 * @module
 */
import { zipSync } from "fflate";
import { elementCount, type WeightMap } from "../weights.ts";
import { TorchCheckpointError } from "./errors.ts";

/** The serialization of {@link serializeTorchCheckpoint}. */
export type TorchWriteFormat = "zip" | "legacy";

/** Options of {@link serializeTorchCheckpoint}. */
export interface SerializeTorchOptions {
  /** `"zip"` (torch ≥ 1.6, default) or `"legacy"` (torch < 1.6). */
  format?: TorchWriteFormat;
  /** Folder name inside the zip archive (torch uses the file's stem; default `archive`). */
  archiveName?: string;
}

/** A small pickle (protocol 2) encoder for the opcodes a state dict needs. */
class PickleWriter {
  #bytes: number[] = [];
  #encoder = new TextEncoder();

  op(...codes: number[]): this {
    this.#bytes.push(...codes);
    return this;
  }
  u32(value: number): this {
    return this.op(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
  }
  int(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0 || value > 0x7fffffff) {
      throw new TorchCheckpointError(`cannot pickle ${value}: only 0..2^31-1 are written.`);
    }
    if (value < 0x100) return this.op(0x4b, value); // BININT1
    if (value < 0x10000) return this.op(0x4d, value & 0xff, value >>> 8); // BININT2
    return this.op(0x4a).u32(value); // BININT
  }
  str(value: string): this {
    const utf8 = this.#encoder.encode(value);
    return this.op(0x58).u32(utf8.length).op(...utf8); // BINUNICODE
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...this.#encoder.encode(`${module}\n${name}\n`)); // GLOBAL
  }
  ints(values: readonly number[]): this {
    this.op(0x28); // MARK
    for (const v of values) this.int(v);
    return this.op(0x74); // TUPLE
  }
  emptyOrderedDict(): this {
    return this.global("collections", "OrderedDict").op(0x29, 0x52); // EMPTY_TUPLE REDUCE
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.#bytes);
  }
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

/** Pickles the state dict; `storageId` writes the persistent id of storage `key`. */
function statePickle(
  weights: WeightMap,
  storageId: (p: PickleWriter, key: string, numel: number) => void,
): Uint8Array {
  const p = new PickleWriter().op(0x80, 2).emptyOrderedDict().op(0x28); // PROTO 2 … MARK
  let key = 0;
  for (const [name, { shape, data }] of weights) {
    if (data.length !== elementCount(shape)) {
      throw new TorchCheckpointError(
        `tensor ${JSON.stringify(name)}: shape [${shape}] needs ${elementCount(shape)} values, ` +
          `data has ${data.length}.`,
      );
    }
    p.str(name).global("torch._utils", "_rebuild_tensor_v2").op(0x28); // MARK (args)
    p.op(0x28).str("storage").global("torch", "FloatStorage"); // persistent id tuple
    storageId(p, String(key++), data.length);
    p.op(0x74, 0x51); // TUPLE BINPERSID
    p.int(0).ints(shape).ints(rowMajorStrides(shape)).op(0x89).emptyOrderedDict(); // NEWFALSE
    p.op(0x74, 0x52); // TUPLE REDUCE
  }
  return p.op(0x75, 0x2e).bytes(); // SETITEMS STOP
}

function tensorBytes(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}

function zipCheckpoint(weights: WeightMap, archive: string): Uint8Array {
  const pickle = statePickle(weights, (p, key, numel) => p.str(key).str("cpu").int(numel));
  const text = (s: string) => new TextEncoder().encode(s);
  const files: Record<string, Uint8Array> = { [`${archive}/data.pkl`]: pickle };
  files[`${archive}/byteorder`] = text("little");
  [...weights.values()].forEach(({ data }, key) => {
    files[`${archive}/data/${key}`] = tensorBytes(data);
  });
  files[`${archive}/version`] = text("3\n");
  // A fixed local date (fflate stores local DOS time), so the bytes never depend on the clock.
  return zipSync(files, { level: 0, mtime: new Date(2000, 0, 1) });
}

function legacyCheckpoint(weights: WeightMap): Uint8Array {
  const magic = new PickleWriter().op(0x80, 2, 0x8a, 0x0a)
    .op(0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e).bytes(); // LONG1 STOP
  const version = new PickleWriter().op(0x80, 2).int(1001).op(0x2e).bytes();
  const sysInfo = new PickleWriter().op(0x80, 2, 0x7d, 0x28) // EMPTY_DICT MARK
    .str("protocol_version").int(1001)
    .str("little_endian").op(0x88) // NEWTRUE
    .str("type_sizes").op(0x7d, 0x28).str("short").int(2).str("int").int(4).str("long").int(4)
    .op(0x75) // SETITEMS (type_sizes)
    .op(0x75, 0x2e).bytes();
  const main = statePickle(weights, (p, key, numel) => {
    p.str(key).str("cpu").int(numel).op(0x4e); // view_metadata None
  });
  const keys = new PickleWriter().op(0x80, 2, 0x5d, 0x28); // EMPTY_LIST MARK
  for (let key = 0; key < weights.size; key++) keys.str(String(key));
  const parts = [magic, version, sysInfo, main, keys.op(0x65, 0x2e).bytes()]; // APPENDS STOP
  for (const { data } of weights.values()) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(data.length), true);
    parts.push(count, tensorBytes(data));
  }
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Encodes float32 weights as a PyTorch checkpoint (`torch.save(state_dict)` bytes) in the zip or
 * the legacy serialization; the kit's {@link parseTorchCheckpoint} reads both back unchanged.
 * Write the result with `writeFileAtomic` from `lib/fs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTorchCheckpoint, serializeTorchCheckpoint } from "./mod.ts";
 * const weights = new Map([["w", { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }]]);
 * for (const format of ["zip", "legacy"] as const) {
 *   const bytes = serializeTorchCheckpoint(weights, { format });
 *   assert.deepEqual(parseTorchCheckpoint(bytes), weights);
 * }
 * ```
 */
export function serializeTorchCheckpoint(
  weights: WeightMap,
  options: SerializeTorchOptions = {},
): Uint8Array {
  return options.format === "legacy"
    ? legacyCheckpoint(weights)
    : zipCheckpoint(weights, options.archiveName ?? "archive");
}
