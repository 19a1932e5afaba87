/**
 * Test helpers of `lib/train`: a tiny DistilBERT config and synthetic labelled rows.
 *
 * @module
 */
import { DISTILBERT_BASE, type DistilBertConfig } from "../model/config.ts";
import type { TrainExamples } from "./batches.ts";
import { Rng } from "../random/mod.ts";

/** dim 8, 1 layer, 2 heads, FFN 16, 30 tokens, 16 positions. */
export const TINY_CONFIG: DistilBertConfig = {
  ...DISTILBERT_BASE,
  vocabSize: 30,
  dim: 8,
  nLayers: 1,
  nHeads: 2,
  hiddenDim: 16,
  maxPositionEmbeddings: 16,
};

/**
 * `rows` rows `[CLS] w… [SEP]` of 3–10 random words (ids 5–29); the label is 1 when word 7
 * occurs, a rule a tiny model learns in a few dozen updates.
 */
export function syntheticExamples(rows: number, seed: number): TrainExamples {
  const rng = new Rng(seed);
  const encoded = [];
  const labels = [];
  for (let r = 0; r < rows; r++) {
    const words = Array.from({ length: 3 + rng.int(8) }, () => 5 + rng.int(25));
    if (r % 2 === 0 && !words.includes(7)) words[rng.int(words.length)] = 7;
    if (r % 2 === 1) { for (let i = 0; i < words.length; i++) if (words[i] === 7) words[i] = 8; }
    const inputIds = [2, ...words, 3];
    encoded.push({ inputIds, attentionMask: inputIds.map(() => 1) });
    labels.push(words.includes(7) ? 1 : 0);
  }
  return { encoded, labels };
}
