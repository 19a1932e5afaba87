/**
 * Test helper: the mini stand-in's checkpoint, and scoring an in-memory model on token batches in
 * ONNX Runtime, as the tests on real data (outlier twin, SmoothQuant, weight-only) use them.
 *
 * @module
 */
import { join } from "node:path";
import {
  evaluateClassifier,
  type EvaluationResult,
  type LabelledBatch,
} from "../../lib/eval/mod.ts";
import {
  type DistilBertConfig,
  parseDistilBertConfig,
  readSafetensors,
  type WeightMap,
} from "../../lib/model/mod.ts";
import { encodeModel, type Model } from "../../lib/onnx/mod.ts";
import { createSession } from "../../lib/runtime/mod.ts";
import { MINI_DIR } from "./mrpc.ts";

/** The mini stand-in's `config.json` and `model.safetensors`, read from the mirror. */
export async function miniStandin(): Promise<{ config: DistilBertConfig; weights: WeightMap }> {
  const config = parseDistilBertConfig(await Deno.readTextFile(join(MINI_DIR, "config.json")));
  const weights = await readSafetensors(join(MINI_DIR, "model.safetensors"));
  return { config, weights };
}

/**
 * `evaluateClassifier` of `model` on `batches`, in a session of its own (released afterwards)
 * with `intraOpThreads` threads (default: ORT's, all cores).
 */
export async function evaluateModel(
  model: Model,
  batches: readonly LabelledBatch[],
  options: { intraOpThreads?: number } = {},
): Promise<EvaluationResult> {
  const session = await createSession(encodeModel(model), options);
  try {
    return await evaluateClassifier(session, batches, { progress: false });
  } finally {
    await session.session.release();
  }
}
