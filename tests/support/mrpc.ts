/**
 * Test helper: MRPC prepared for the mini stand-in straight from the mirror's files (no hub
 * server), as the quantization and tuning tests on real data use it.
 *
 * @module
 */
import { type PreparedMrpc, prepareMrpc } from "../../lib/data/mod.ts";
import { mirrorRepoDir, mrpcTsvDir, STANDINS } from "./mirror.ts";

/** The mirror folder of the mini stand-in (config.json, model.safetensors, onnx/model.onnx, …). */
export const MINI_DIR: string = mirrorRepoDir(STANDINS.mini);

/**
 * All 408 validation pairs (batches of 16, sorted by length) and the first 104 training pairs
 * (batches of 8, for calibration), tokenized with the mini stand-in's tokenizer.
 */
export async function standinMrpc(): Promise<{ validation: PreparedMrpc; train: PreparedMrpc }> {
  const data = {
    modelId: STANDINS.mini,
    dir: mrpcTsvDir(),
    tokenizerDir: MINI_DIR,
    progress: false as const,
  };
  const [validation, train] = await Promise.all([
    prepareMrpc("validation", { ...data, batchSize: 16, sortByLength: true }),
    prepareMrpc("train", { ...data, batchSize: 8, limit: 104 }),
  ]);
  return { validation, train };
}
