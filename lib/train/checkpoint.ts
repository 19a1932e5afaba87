/**
 * Training checkpoints: one safetensors file holding the model's weights under their state-dict
 * names (so `readSafetensors` + `buildDistilBertGraph` read it as a model), the optimizer's
 * moments as `optimizer.m/<name>` and `optimizer.v/<name>`, the training extensions' tensors as
 * `extension/<extension>/<key>`, and in its metadata the JSON of the loop's state (step, epoch,
 * position in the epoch, seed, history) and of the extensions' data. Written atomically: an
 * interrupted save leaves the previous checkpoint intact, and the extensions' state is always
 * that of the checkpoint's update.
 *
 * Format 2 added the extensions; a format-1 checkpoint (no extensions) still reads, with none.
 *
 * @module
 */
import { writeFileAtomic } from "../fs/atomic.ts";
import {
  parseSafetensors,
  parseSafetensorsHeader,
  serializeSafetensors,
} from "../model/safetensors.ts";
import type { WeightMap, WeightTensor } from "../model/weights.ts";
import type { AdamWState } from "./adamw.ts";
import type { ExtensionState } from "./extension.ts";

/** The metadata key `format` of the training checkpoints this kit writes. */
export const CHECKPOINT_FORMAT = "workshop-train-checkpoint/2";

/** Formats {@link readCheckpoint} reads (format 1: before training extensions). */
export const READABLE_CHECKPOINT_FORMATS: readonly string[] = [
  "workshop-train-checkpoint/1",
  CHECKPOINT_FORMAT,
];

/** Everything a checkpoint stores. */
export interface Checkpoint<S> {
  weights: WeightMap;
  optimizer: AdamWState;
  /** The loop's state (JSON-serialisable). */
  state: S;
  /** The training extensions' saved state by extension name (none when absent). */
  extensions?: ReadonlyMap<string, ExtensionState>;
}

/** A file is not a training checkpoint, or is corrupt; the message names the file. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

const M_PREFIX = "optimizer.m/";
const V_PREFIX = "optimizer.v/";
const EXTENSION_PREFIX = "extension/";

/**
 * Writes a checkpoint to `path` atomically.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
 * const w = { shape: [2], data: new Float32Array([1, 2]) };
 * const path = `${await Deno.makeTempDir()}/ckpt.safetensors`;
 * await writeCheckpoint(path, {
 *   weights: new Map([["a.weight", w]]),
 *   optimizer: { step: 3, m: new Map([["a.weight", w]]), v: new Map([["a.weight", w]]) },
 *   state: { epoch: 1 },
 *   extensions: new Map([["prune", { data: { ramp: 2 }, tensors: new Map([["mask/a.weight", w]]) }]]),
 * });
 * const back = await readCheckpoint<{ epoch: number }>(path);
 * assert.equal(back.state.epoch, 1);
 * assert.equal(back.optimizer.step, 3);
 * assert.deepEqual(back.weights, new Map([["a.weight", w]]));
 * assert.deepEqual(back.extensions!.get("prune")!.data, { ramp: 2 });
 * assert.deepEqual(back.extensions!.get("prune")!.tensors!.get("mask/a.weight"), w);
 * ```
 */
export async function writeCheckpoint<S>(path: string, checkpoint: Checkpoint<S>): Promise<void> {
  const tensors: WeightMap = new Map(checkpoint.weights);
  for (const [name, t] of checkpoint.optimizer.m) tensors.set(M_PREFIX + name, t);
  for (const [name, t] of checkpoint.optimizer.v) tensors.set(V_PREFIX + name, t);
  const data: Record<string, { data?: unknown }> = {};
  for (const [extension, saved] of checkpoint.extensions ?? []) {
    if (extension.includes("/")) {
      throw new CheckpointError(`${path}: extension name "${extension}" must not contain "/".`);
    }
    data[extension] = { data: saved.data };
    for (const [key, t] of saved.tensors ?? []) {
      tensors.set(`${EXTENSION_PREFIX}${extension}/${key}`, t);
    }
  }
  const bytes = serializeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    optimizer_step: String(checkpoint.optimizer.step),
    state: JSON.stringify(checkpoint.state),
    extensions: JSON.stringify(data),
  });
  await writeFileAtomic(path, bytes);
}

/**
 * Reads a checkpoint written by {@link writeCheckpoint}; throws {@link CheckpointError} when the
 * file is not one.
 */
export async function readCheckpoint<S>(path: string): Promise<Checkpoint<S>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new CheckpointError(`${path}: cannot be read (${(error as Error).message}).`);
  }
  const header = parseSafetensorsHeader(bytes, bytes.length, path);
  if (!READABLE_CHECKPOINT_FORMATS.includes(header.metadata.format)) {
    throw new CheckpointError(
      `${path} is not a training checkpoint this kit reads (metadata format ${
        JSON.stringify(header.metadata.format)
      }, expected one of ${
        READABLE_CHECKPOINT_FORMATS.join(", ")
      }); delete it or point the checkpoint path elsewhere.`,
    );
  }
  const all = parseSafetensors(bytes, path);
  const weights: WeightMap = new Map();
  const m: WeightMap = new Map();
  const v: WeightMap = new Map();
  const state: S = parseJson(header.metadata.state ?? "null", path, "state");
  const extensions = extensionData(header.metadata.extensions, path);
  for (const [name, t] of all) {
    if (name.startsWith(M_PREFIX)) m.set(name.slice(M_PREFIX.length), t);
    else if (name.startsWith(V_PREFIX)) v.set(name.slice(V_PREFIX.length), t);
    else if (name.startsWith(EXTENSION_PREFIX)) extensionTensor(extensions, name, t, path);
    else weights.set(name, t);
  }
  const step = Number(header.metadata.optimizer_step);
  if (!Number.isInteger(step) || step < 0) {
    throw new CheckpointError(
      `${path}: optimizer_step ${header.metadata.optimizer_step} is not a count.`,
    );
  }
  return { weights, optimizer: { step, m, v }, state, extensions };
}

function parseJson<T>(text: string, path: string, key: string): T {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(
      `${path}: the ${key} metadata is not JSON (${(error as Error).message}).`,
    );
  }
}

/** The extensions' data of the metadata (none in a format-1 checkpoint). */
function extensionData(text: string | undefined, path: string): Map<string, ExtensionState> {
  const out = new Map<string, ExtensionState>();
  if (text === undefined) return out;
  const parsed = parseJson<unknown>(text, path, "extensions");
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CheckpointError(`${path}: the extensions metadata is not an object by name.`);
  }
  for (const [name, saved] of Object.entries(parsed)) {
    if (saved === null || typeof saved !== "object") {
      throw new CheckpointError(
        `${path}: the saved state of extension "${name}" is not an object.`,
      );
    }
    out.set(name, "data" in saved ? { data: saved.data } : {});
  }
  return out;
}

function extensionTensor(
  extensions: Map<string, ExtensionState>,
  name: string,
  tensor: WeightTensor,
  path: string,
): void {
  const rest = name.slice(EXTENSION_PREFIX.length);
  const slash = rest.indexOf("/");
  const saved = slash > 0 ? extensions.get(rest.slice(0, slash)) : undefined;
  if (!saved) {
    throw new CheckpointError(
      `${path}: tensor ${name} belongs to no extension of the metadata; the file is corrupt, ` +
        "delete it to start over.",
    );
  }
  saved.tensors ??= new Map();
  saved.tensors.set(rest.slice(slash + 1), tensor);
}
