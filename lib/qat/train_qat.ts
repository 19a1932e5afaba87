/**
 * The training engine's loop with a QAT quantizer attached, resumable: besides the engine's
 * checkpoint (weights, optimizer, loop position) the observers are saved after every update to
 * `<checkpoint>.qat.json` (atomically, with the update count), and a resumed run continues from
 * the observers saved at the checkpoint's update — so it ends with the uninterrupted run's
 * weights and ranges.
 *
 * @module
 */
import { writeFileAtomic } from "../fs/atomic.ts";
import { parseSafetensorsHeader } from "../model/mod.ts";
import {
  type StepRecord,
  type TfDistilBert,
  train,
  type TrainData,
  type TrainOptions,
  type TrainResult,
} from "../train/mod.ts";
import { type QatQuantizer, type QatQuantizerState, QatStateError } from "./quantizer.ts";

/** What `<checkpoint>.qat.json` holds. */
export interface QatStateFile {
  /** Updates done when the observers were saved. */
  step: number;
  quantizer: QatQuantizerState;
}

/**
 * The observers' file beside a training checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qatStatePath } from "./train_qat.ts";
 * assert.equal(qatStatePath("out/qat/ckpt.safetensors"), "out/qat/ckpt.safetensors.qat.json");
 * ```
 */
export function qatStatePath(checkpoint: string): string {
  return `${checkpoint}.qat.json`;
}

/**
 * Trains `model` with `quantizer` attached (see `lib/train`'s `train` for the options); with
 * `checkpoint`, resumes the observers along with the weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TfDistilBert } from "../train/mod.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { QatQuantizer } from "./quantizer.ts";
 * import { trainQat } from "./train_qat.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const qat = new QatQuantizer();
 * const encoded = [[2, 5, 3], [2, 6, 3]].map((ids) => ({ inputIds: ids, attentionMask: [1, 1, 1] }));
 * const result = await trainQat(model, qat, { encoded, labels: [1, 0] }, {
 *   epochs: 2, batchSize: 1, progress: false, log: false, handleSigint: false,
 * });
 * assert.equal(result.steps, 4);
 * assert.equal(qat.observer("classifier")!.updates, 4);
 * model.dispose();
 * ```
 */
export async function trainQat(
  model: TfDistilBert,
  quantizer: QatQuantizer,
  data: TrainData,
  options: TrainOptions = {},
): Promise<TrainResult> {
  quantizer.attach(model);
  const checkpoint = options.checkpoint;
  if (!checkpoint) return await train(model, data, options);
  const statePath = qatStatePath(checkpoint);
  if (options.resume !== false) {
    const step = await checkpointStep(checkpoint);
    if (step !== undefined) quantizer.loadState(await savedState(statePath, step, checkpoint));
  }
  const onStep = async (record: StepRecord) => {
    await options.onStep?.(record);
    const file: QatStateFile = { step: record.step, quantizer: quantizer.state() };
    await writeFileAtomic(statePath, JSON.stringify(file));
  };
  return await train(model, data, { ...options, onStep });
}

/** The update count stored in a training checkpoint, or undefined when there is none. */
async function checkpointStep(path: string): Promise<number | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const size = (await file.stat()).size;
    const length = new Uint8Array(8);
    await readExactly(file, length);
    const n = Number(new DataView(length.buffer).getBigUint64(0, true));
    const prefix = new Uint8Array(8 + Math.min(n, Math.max(0, size - 8)));
    prefix.set(length);
    await readExactly(file, prefix.subarray(8));
    const header = parseSafetensorsHeader(prefix, size, path);
    const step = (JSON.parse(header.metadata.state ?? "null") as { step?: number } | null)?.step;
    if (!Number.isInteger(step)) {
      throw new QatStateError(`${path} holds no loop state (metadata "state.step").`);
    }
    return step;
  } finally {
    file.close();
  }
}

async function readExactly(file: Deno.FsFile, into: Uint8Array): Promise<void> {
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) break;
    filled += n;
  }
}

async function savedState(path: string, step: number, checkpoint: string) {
  let file: QatStateFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new QatStateError(
      `${checkpoint} is at update ${step} but its observers (${path}) cannot be read ` +
        `(${(error as Error).message}); delete the checkpoint to start over.`,
    );
  }
  if (file.step !== step) {
    throw new QatStateError(
      `${path} holds the observers of update ${file.step} but ${checkpoint} is at update ` +
        `${step} (the run was killed between the two writes); delete both to start over.`,
    );
  }
  return file.quantizer;
}
