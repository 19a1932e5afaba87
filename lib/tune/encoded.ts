/**
 * The serialized bytes of the models a tune run creates, kept while the trial runs so the model
 * is encoded once for its size, its evaluation and its latency.
 *
 * @module
 */

import { encodeModel, type Model } from "../onnx/mod.ts";

const cache = new WeakMap<Model, Uint8Array>();

/** The ONNX bytes of `model`, from the cache when the tuner put them there. */
export function modelBytes(model: Model): Uint8Array {
  return cache.get(model) ?? encodeModel(model);
}

/** Encodes `model` and keeps its bytes until {@link forgetBytes}. */
export function rememberBytes(model: Model): Uint8Array {
  const bytes = encodeModel(model);
  cache.set(model, bytes);
  return bytes;
}

/** Drops the cached bytes of `model` (it may be edited afterwards). */
export function forgetBytes(model: Model): void {
  cache.delete(model);
}
