/**
 * Training checkpoints: one safetensors file holding the model's weights under their state-dict
 * names (so `readSafetensors` + `buildDistilBertGraph` read it as a model), the optimizer's
 * moments as `optimizer.m/<name>` and `optimizer.v/<name>`, and in its metadata the JSON of the
 * loop's state (step, epoch, position in the epoch, seed, history). Written atomically: an
 * interrupted save leaves the previous checkpoint intact.
 *
 * @module
 */
import { writeFileAtomic } from "../fs/atomic.ts";
import {
  parseSafetensors,
  parseSafetensorsHeader,
  serializeSafetensors,
} from "../model/safetensors.ts";
import type { WeightMap } from "../model/weights.ts";
import type { AdamWState } from "./adamw.ts";

/** The metadata key `format` of a training checkpoint. */
export const CHECKPOINT_FORMAT = "workshop-train-checkpoint/1";

/** Everything a checkpoint stores. */
export interface Checkpoint<S> {
  weights: WeightMap;
  optimizer: AdamWState;
  /** The loop's state (JSON-serialisable). */
  state: S;
}

/** A file is not a training checkpoint, or is corrupt; the message names the file. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

const M_PREFIX = "optimizer.m/";
const V_PREFIX = "optimizer.v/";

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
 * });
 * const back = await readCheckpoint<{ epoch: number }>(path);
 * assert.equal(back.state.epoch, 1);
 * assert.equal(back.optimizer.step, 3);
 * assert.deepEqual(back.weights.get("a.weight"), w);
 * ```
 */
export async function writeCheckpoint<S>(path: string, checkpoint: Checkpoint<S>): Promise<void> {
  const tensors: WeightMap = new Map(checkpoint.weights);
  for (const [name, t] of checkpoint.optimizer.m) tensors.set(M_PREFIX + name, t);
  for (const [name, t] of checkpoint.optimizer.v) tensors.set(V_PREFIX + name, t);
  const bytes = serializeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    optimizer_step: String(checkpoint.optimizer.step),
    state: JSON.stringify(checkpoint.state),
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
  if (header.metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${path} is not a training checkpoint (metadata format ${
        JSON.stringify(header.metadata.format)
      }, expected ${CHECKPOINT_FORMAT}); delete it or point the checkpoint path elsewhere.`,
    );
  }
  const all = parseSafetensors(bytes, path);
  const weights: WeightMap = new Map();
  const m: WeightMap = new Map();
  const v: WeightMap = new Map();
  for (const [name, t] of all) {
    if (name.startsWith(M_PREFIX)) m.set(name.slice(M_PREFIX.length), t);
    else if (name.startsWith(V_PREFIX)) v.set(name.slice(V_PREFIX.length), t);
    else weights.set(name, t);
  }
  let state: S;
  try {
    state = JSON.parse(header.metadata.state ?? "null");
  } catch (error) {
    throw new CheckpointError(
      `${path}: the state metadata is not JSON (${(error as Error).message}).`,
    );
  }
  const step = Number(header.metadata.optimizer_step);
  if (!Number.isInteger(step) || step < 0) {
    throw new CheckpointError(
      `${path}: optimizer_step ${header.metadata.optimizer_step} is not a count.`,
    );
  }
  return { weights, optimizer: { step, m, v }, state };
}
