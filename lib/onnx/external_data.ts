/**
 * ONNX external data: tensors whose bytes live in a separate file beside the model
 * (`data_location = EXTERNAL`, with `location`, `offset`, `length` entries). Model files are
 * untrusted, so every location must resolve to a file inside the model's folder.
 *
 * @module
 */

import { closeSync, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { OnnxExternalDataError } from "./errors.ts";

/**
 * The real path of external-data `location` for tensor `tensorName`, checked to stay inside
 * `baseDir`: absolute paths, `..` segments, drive letters and symlinks that lead outside are
 * rejected with {@link OnnxExternalDataError} naming the tensor and the path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveExternalDataPath } from "./external_data.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/weights.bin`, new Uint8Array(4));
 * assert.ok(resolveExternalDataPath(dir, "weights.bin", "w").endsWith("weights.bin"));
 * assert.throws(() => resolveExternalDataPath(dir, "../evil.bin", "w"), /outside/);
 * ```
 */
export function resolveExternalDataPath(
  baseDir: string,
  location: string,
  tensorName: string,
): string {
  const reject = (why: string): never => {
    throw new OnnxExternalDataError(
      `Tensor "${tensorName}": external data location ${JSON.stringify(location)} ${why}; ` +
        `external data must be a file inside the model folder ${baseDir}. The model file is ` +
        `untrusted or damaged: re-download or re-export it.`,
    );
  };
  if (location.length === 0) reject("is empty");
  if (location.includes("\0")) reject("contains a NUL character");
  if (isAbsolute(location) || /^[a-zA-Z]:/.test(location) || /^[\\/]/.test(location)) {
    reject("is an absolute path, outside the model folder");
  }
  if (location.split(/[\\/]/).includes("..")) reject("contains '..' and points outside");
  let realBase: string;
  try {
    realBase = realpathSync(baseDir);
  } catch (error) {
    throw new OnnxExternalDataError(
      `Tensor "${tensorName}": model folder ${baseDir} cannot be opened ` +
        `(${(error as Error).message}); pass the folder that holds the model as baseDir.`,
    );
  }
  const target = resolve(realBase, location);
  let realTarget: string;
  try {
    realTarget = realpathSync(target);
  } catch (error) {
    throw new OnnxExternalDataError(
      `Tensor "${tensorName}": external data file ${target} is missing ` +
        `(${(error as Error).message}); copy ${location} next to the model file.`,
    );
  }
  const rel = relative(realBase, realTarget);
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    reject(`resolves to ${realTarget}, outside the model folder (a symlink?)`);
  }
  return realTarget;
}

/** One external-data reference of a tensor, as stored in `TensorProto.external_data`. */
export interface ExternalDataRef {
  location: string;
  offset: number;
  /** Bytes to read; `undefined` means "to the end of the file". */
  length?: number;
}

/**
 * Reads external data of one model, keeping each file open until {@link close}.
 */
export class ExternalDataReader {
  #files = new Map<string, { fd: number; size: number }>();

  /** `baseDir` is the model's folder. */
  constructor(readonly baseDir: string) {}

  /** The bytes of tensor `tensorName`, checked to be `expectedBytes` long. */
  read(tensorName: string, ref: ExternalDataRef, expectedBytes: number): Uint8Array {
    const path = resolveExternalDataPath(this.baseDir, ref.location, tensorName);
    const file = this.#open(path);
    const length = ref.length ?? file.size - ref.offset;
    if (length !== expectedBytes) {
      throw new OnnxExternalDataError(
        `Tensor "${tensorName}": external data in ${path} has length ${length} but the tensor's ` +
          `dims and type need ${expectedBytes} bytes; the model and its data file do not match, ` +
          `re-export or re-download both.`,
      );
    }
    if (ref.offset < 0 || ref.offset + length > file.size) {
      throw new OnnxExternalDataError(
        `Tensor "${tensorName}": external data ${path} is ${file.size} bytes, but the tensor ` +
          `needs bytes ${ref.offset}..${ref.offset + length}; the data file is truncated, ` +
          `re-download it.`,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(file.fd, out, done, length - done, ref.offset + done);
      if (n <= 0) break;
      done += n;
    }
    if (done !== length) {
      throw new OnnxExternalDataError(
        `Tensor "${tensorName}": read ${done} of ${length} bytes from ${path}; re-download it.`,
      );
    }
    return out;
  }

  #open(path: string): { fd: number; size: number } {
    let file = this.#files.get(path);
    if (!file) {
      const fd = openSync(path, "r");
      file = { fd, size: fstatSync(fd).size };
      this.#files.set(path, file);
    }
    return file;
  }

  /** Closes the files opened so far. */
  close(): void {
    for (const { fd } of this.#files.values()) closeSync(fd);
    this.#files.clear();
  }
}
