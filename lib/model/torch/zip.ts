/**
 * PyTorch's zip serialization (torch ≥ 1.6, the default of `torch.save`): a zip archive whose
 * entries sit under one folder `<name>/`: `data.pkl` (the pickled object; each storage is the
 * persistent id `("storage", torch.<T>Storage, key, location, numel)`), `data/<key>` (the raw
 * storage bytes, usually STORED and 64-byte aligned), `version`, and since torch 2.x also
 * `byteorder`, `.data/serialization_id`, `.format_version`, `.storage_alignment`.
 *
 * @module
 */
import { ZipArchive } from "./zip_archive.ts";
import { TorchCheckpointError } from "./errors.ts";
import { StorageType, torchFindClass } from "./allowlist.ts";
import { StorageRef } from "./tensor_ref.ts";
import { describePickleValue, unpickle } from "./unpickler.ts";
import { DTYPE_SIZES } from "./dtype.ts";

/** True when `bytes` starts with a zip local-file header (`PK\x03\x04`). */
export function isZipCheckpoint(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 &&
    bytes[3] === 0x04;
}

function fail(source: string, message: string): never {
  throw new TorchCheckpointError(`${source}: ${message}`);
}

/**
 * Reads a zip checkpoint's object graph: the unpickled root object, whose tensors refer to
 * {@link StorageRef}s holding their entry's bytes (each entry is its own buffer, copied once out
 * of the archive, so float32 tensors can take it over without another copy). Only the entries the
 * pickle refers to are read, each checked against its CRC-32 and declared size (see
 * `zip_archive.ts`).
 */
export function parseZipCheckpoint(bytes: Uint8Array, source: string): unknown {
  const archive = new ZipArchive(bytes, source);
  const names = archive.names();
  const pickles = names.filter((n) => n === "data.pkl" || /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    fail(
      source,
      `a PyTorch zip checkpoint has exactly one <name>/data.pkl, this archive has ` +
        `${pickles.length} (entries: ${
          names.slice(0, 8).join(", ")
        }); it is not a torch.save file.`,
    );
  }
  const prefix = pickles[0].slice(0, -"data.pkl".length);
  if (archive.has(`${prefix}constants.pkl`)) {
    fail(
      source,
      "is a TorchScript archive (torch.jit.save), not a state dict; save " +
        "`model.state_dict()` with torch.save or safetensors instead.",
    );
  }
  const order = archive.has(`${prefix}byteorder`) ? archive.read(`${prefix}byteorder`) : undefined;
  const byteorder = order ? new TextDecoder().decode(order) : "little";
  if (byteorder !== "little" && byteorder !== "big") {
    fail(source, `byteorder record says ${JSON.stringify(byteorder)}, not little or big.`);
  }

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length !== 5) {
      fail(source, `persistent id ${describePickleValue(pid)} is not a tensor storage.`);
    }
    const [, type, key, , numel] = pid;
    if (!(type instanceof StorageType) || typeof key !== "string") {
      fail(
        source,
        `storage id (${describePickleValue(type)}, ${describePickleValue(key)}) is malformed.`,
      );
    }
    const cached = storages.get(key);
    if (cached) return cached;
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) {
      fail(source, `storage ${key} has element count ${describePickleValue(numel)}.`);
    }
    const name = `${prefix}data/${key}`;
    if (!archive.has(name)) fail(source, `storage entry ${name} is missing from the archive.`);
    const size = numel * DTYPE_SIZES[type.dtype];
    if (archive.entry(name)!.size < size) {
      fail(
        source,
        `storage entry ${name} holds ${archive.entry(name)!.size} bytes, ${type.name} of ` +
          `${numel} elements needs ${size}; the file is truncated or corrupt: download it again.`,
      );
    }
    const entry = archive.read(name);
    if (entry.length < size) {
      fail(
        source,
        `storage entry ${prefix}data/${key} holds ${entry.length} bytes, ${type.name} of ` +
          `${numel} elements needs ${size}; the file is truncated or corrupt: download it again.`,
      );
    }
    const storage = new StorageRef(key, type.dtype, numel);
    storage.bytes = entry.subarray(0, size);
    storage.owned = entry.byteOffset === 0 && entry.buffer.byteLength === size;
    storage.bigEndian = byteorder === "big";
    storages.set(key, storage);
    return storage;
  };
  return unpickle(archive.read(pickles[0]), {
    source: `${source}:${pickles[0]}`,
    findClass: torchFindClass,
    persistentLoad,
  }).value;
}
