/**
 * Test helper: a DistilBERT small enough to quantize and run in milliseconds, and running a model
 * on token batches in ONNX Runtime.
 *
 * @module
 */
import { DISTILBERT_BASE, type DistilBertConfig } from "../../lib/model/mod.ts";
import { encodeModel, type Model } from "../../lib/onnx/mod.ts";
import { batchFeeds, createSession, type TokenBatch } from "../../lib/runtime/mod.ts";

/** A DistilBERT small enough to quantize and run in milliseconds (vocabulary 1100, dim 32, 2 layers). */
export const TINY_DISTILBERT: DistilBertConfig = {
  ...DISTILBERT_BASE,
  vocabSize: 1100,
  dim: 32,
  nLayers: 2,
  nHeads: 2,
  hiddenDim: 64,
  maxPositionEmbeddings: 64,
};

/** The first output of `model` on each batch (copies), from one single-threaded session. */
export async function firstOutputs(
  model: Model,
  batches: Iterable<TokenBatch>,
): Promise<Float32Array[]> {
  const s = await createSession(encodeModel(model), { intraOpThreads: 1 });
  try {
    const out: Float32Array[] = [];
    for (const batch of batches) {
      const result = await s.session.run(batchFeeds({ batch, inputNames: s.inputNames }));
      out.push(Float32Array.from(result[s.outputNames[0]].data as Float32Array));
    }
    return out;
  } finally {
    await s.session.release();
  }
}
