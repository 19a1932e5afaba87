/**
 * PyTorch's legacy serialization (torch < 1.6, still the main branch of many 2020-era hub repos,
 * e.g. `textattack/distilbert-base-uncased-MRPC`): one file holding, in order,
 *
 * 1. a pickle of the magic number `0x1950a86a20f9469cfc6c`,
 * 2. a pickle of the protocol version (1001),
 * 3. a pickle of `sys_info` (`{"little_endian": bool, "type_sizes": {...}, ...}`),
 * 4. the pickled object (the state dict); each storage appears as the persistent id
 *    `("storage", torch.<T>Storage, root_key, location, numel, view_metadata)`,
 * 5. a pickle of the list of storage keys, in the order their data follows,
 * 6. per key: the element count (8 bytes, little-endian) and then the raw elements.
 *
 * @module
 */
import { TorchCheckpointError } from "./errors.ts";
import { StorageType, torchFindClass } from "./allowlist.ts";
import { StorageRef } from "./tensor_ref.ts";
import { describePickleValue, unpickle } from "./unpickler.ts";
import { DTYPE_SIZES } from "./dtype.ts";

/** The magic number that opens a legacy checkpoint. */
export const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
/** The only legacy protocol version PyTorch ever wrote. */
export const LEGACY_PROTOCOL_VERSION = 1001;

/** The pickled magic number as PyTorch writes it (protocol 2, LONG1 of 10 bytes). */
const MAGIC_PREFIX = new Uint8Array([
  0x80,
  0x02,
  0x8a,
  0x0a,
  0x6c,
  0xfc,
  0x9c,
  0x46,
  0xf9,
  0x20,
  0x6a,
  0xa8,
  0x50,
  0x19,
  0x2e,
]);

/** True when `bytes` starts with the pickled legacy magic number. */
export function isLegacyCheckpoint(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC_PREFIX.length && MAGIC_PREFIX.every((b, i) => bytes[i] === b);
}

function text(value: unknown): unknown {
  return value instanceof Uint8Array ? new TextDecoder("latin1").decode(value) : value;
}

function fail(source: string, message: string): never {
  throw new TorchCheckpointError(`${source}: ${message}`);
}

/**
 * Reads a legacy checkpoint's object graph: the unpickled root object, whose tensors refer to
 * {@link StorageRef}s that already hold their bytes (subarrays of `bytes`, not copies).
 */
export function parseLegacyCheckpoint(bytes: Uint8Array, source: string): unknown {
  const magic = unpickle(bytes, { source });
  if (magic.value !== LEGACY_MAGIC) {
    fail(source, "does not start with PyTorch's magic number; it is not a legacy checkpoint.");
  }
  const version = unpickle(bytes, { source, offset: magic.end });
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    fail(source, `legacy protocol version ${describePickleValue(version.value)} is not 1001.`);
  }
  const sysInfo = unpickle(bytes, { source, offset: version.end });
  const littleEndian = sysInfo.value instanceof Map
    ? sysInfo.value.get("little_endian") !== false
    : true;

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || text(pid[0]) !== "storage" || pid.length !== 6) {
      fail(source, `persistent id ${describePickleValue(pid)} is not a tensor storage.`);
    }
    const [, type, rootKey, , numel, viewMetadata] = pid;
    if (!(type instanceof StorageType) || typeof rootKey !== "string") {
      fail(
        source,
        `storage id (${describePickleValue(type)}, ${describePickleValue(rootKey)}) is malformed.`,
      );
    }
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) {
      fail(source, `storage ${rootKey} has element count ${describePickleValue(numel)}.`);
    }
    let root = storages.get(rootKey);
    if (!root) {
      root = new StorageRef(rootKey, type.dtype, numel);
      root.bigEndian = !littleEndian;
      storages.set(rootKey, root);
    }
    if (viewMetadata === null) return root;
    const [viewKey, offset, viewSize] = Array.isArray(viewMetadata) ? viewMetadata : [];
    if (typeof viewKey !== "string" || typeof offset !== "number" || typeof viewSize !== "number") {
      fail(source, `storage view metadata ${describePickleValue(viewMetadata)} is malformed.`);
    }
    const existing = storages.get(viewKey);
    if (existing) return existing;
    const view = new StorageRef(viewKey, type.dtype, viewSize, { root, offset });
    view.bigEndian = !littleEndian;
    storages.set(viewKey, view);
    return view;
  };
  const main = unpickle(bytes, {
    source,
    offset: sysInfo.end,
    findClass: torchFindClass,
    persistentLoad,
  });
  const keys = unpickle(bytes, { source, offset: main.end });
  if (!Array.isArray(keys.value)) {
    fail(source, `the storage key list is ${describePickleValue(keys.value)}, not a list.`);
  }
  let pos = keys.end;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (const key of keys.value) {
    const storage = typeof key === "string" ? storages.get(key) : undefined;
    if (!storage || storage.view) {
      fail(source, `storage key ${describePickleValue(key)} in the key list was never referenced.`);
    }
    if (pos + 8 > bytes.length) {
      fail(
        source,
        `the data of storage ${key} is missing; the file is truncated: download it again.`,
      );
    }
    const count = Number(view.getBigInt64(pos, littleEndian));
    const size = count * DTYPE_SIZES[storage.dtype];
    pos += 8;
    if (count < 0 || pos + size > bytes.length) {
      fail(
        source,
        `storage ${key} needs ${size} bytes at byte ${pos}, but the file has ` +
          `${bytes.length - pos}; it is truncated: download it again.`,
      );
    }
    storage.bytes = bytes.subarray(pos, pos + size);
    pos += size;
  }
  return main.value;
}
