/**
 * Reading and writing `.onnx` files, with external data beside the model.
 *
 * @module
 */

import { open, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { withAtomicPath, writeFileAtomic } from "../fs/atomic.ts";
import { decodeModel } from "./decode.ts";
import {
  DEFAULT_EXTERNAL_THRESHOLD,
  encodeModel,
  encodeModelWithExternalData,
  MAX_INLINE_BYTES,
  modelTensorBytes,
} from "./encode.ts";
import { OnnxEncodeError } from "./errors.ts";
import type { Model } from "./model.ts";

/**
 * Reads an ONNX model file. External data is loaded from files inside the model's folder only
 * (`OnnxExternalDataError` otherwise); bytes that are not ONNX raise `OnnxDecodeError` naming
 * the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, createModel, readModel, writeModel } from "./mod.ts";
 * const path = `${await Deno.makeTempDir()}/empty.onnx`;
 * await writeModel(path, createModel(createGraph("empty")));
 * assert.equal((await readModel(path)).graph.name, "empty");
 * ```
 */
export async function readModel(path: string): Promise<Model> {
  const bytes = await readFile(path);
  return decodeModel(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    baseDir: dirname(path),
    source: path,
  });
}

/** Options of {@link writeModel}. */
export interface WriteModelOptions {
  /**
   * Put large initializers in a data file beside the model. `true` moves every initializer of
   * at least 1024 bytes; an object sets the `threshold` in bytes and the file name `location`
   * (default `<model file name>_data`, e.g. `model.onnx_data`). Default: only when the model
   * passes the 1.9 GB protobuf limit.
   */
  externalData?: boolean | { threshold?: number; location?: string };
}

/** What {@link writeModel} wrote. */
export interface WriteModelResult {
  path: string;
  /** Size of the `.onnx` file. */
  modelBytes: number;
  /** The external-data file, when one was written. */
  externalDataPath?: string;
  externalDataBytes?: number;
}

/**
 * Writes `model` to `path` atomically (temporary file, then rename), and its external data, when
 * used, to a file beside it first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, createModel, readModel, writeModel } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * b.initializer("w", DataType.FLOAT, [1024], new Float32Array(1024).fill(0.5));
 * const path = `${await Deno.makeTempDir()}/model.onnx`;
 * const result = await writeModel(path, createModel(b.build()), { externalData: true });
 * assert.ok(result.externalDataPath?.endsWith("model.onnx_data"));
 * assert.equal((await readModel(path)).graph.initializers[0].data[1023], 0.5);
 * ```
 */
export async function writeModel(
  path: string,
  model: Model,
  options: WriteModelOptions = {},
): Promise<WriteModelResult> {
  const external = options.externalData ??
    (modelTensorBytes(model) > MAX_INLINE_BYTES ? true : false);
  if (external === false) {
    const bytes = encodeModel(model);
    await writeFileAtomic(path, bytes);
    return { path, modelBytes: bytes.byteLength };
  }
  const location = (typeof external === "object" ? external.location : undefined) ??
    `${basename(path)}_data`;
  checkLocation(location, path);
  const encoded = encodeModelWithExternalData(model, {
    location,
    threshold: (typeof external === "object" ? external.threshold : undefined) ??
      DEFAULT_EXTERNAL_THRESHOLD,
  });
  const dataPath = join(dirname(path), location);
  await withAtomicPath(dataPath, async (tmp) => {
    const handle = await open(tmp, "w");
    try {
      for (const chunk of encoded.data) await writeAll(handle, chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
  await writeFileAtomic(path, encoded.model);
  return {
    path,
    modelBytes: encoded.model.byteLength,
    externalDataPath: dataPath,
    externalDataBytes: encoded.dataBytes,
  };
}

async function writeAll(
  handle: Awaited<ReturnType<typeof open>>,
  chunk: Uint8Array,
): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done);
    done += bytesWritten;
  }
}

function checkLocation(location: string, path: string): void {
  if (location.length === 0 || /[\\/]/.test(location) || location === "." || location === "..") {
    throw new OnnxEncodeError(
      `Writing ${path}: external data location ${JSON.stringify(location)} must be a plain file ` +
        `name (it is stored beside the model), e.g. "model.onnx_data".`,
    );
  }
}
