/**
 * A model's weights by their PyTorch state-dict names (for DistilBERT:
 * `distilbert.embeddings.word_embeddings.weight`, `pre_classifier.weight`, …), as read from
 * `model.safetensors` or `pytorch_model.bin`, made by `randomDistilBertWeights`, or trained in
 * `lib/train`. The ONNX builder and the training engine both consume this one map, so a model
 * moves between them without loss.
 */
export interface WeightTensor {
  /** Dimensions, outermost first (PyTorch order: a Linear weight is `[out, in]`). */
  shape: number[];
  /** Values in row-major order, converted to float32 whatever the file stored. */
  data: Float32Array;
}

/** State-dict name → tensor. */
export type WeightMap = Map<string, WeightTensor>;

/** Number of elements of a tensor with these dimensions. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
