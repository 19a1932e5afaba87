/**
 * Extension points of the tfjs DistilBERT forward pass, for techniques that change what a layer
 * computes while training (quantization-aware training wraps weights, embedding tables and
 * activations with fake quantization; pruning multiplies weights by masks). Each hook is a
 * middleware: it receives the call and `next`, the default computation, and returns the result —
 * typically `next({ ...call, weight: fakeQuant(call.weight) })`. Gradients flow through whatever
 * the hook computes with tfjs ops (use `tf.customGrad` for a straight-through estimator).
 *
 * @module
 */
import type { Tensor, Tensor1D, Tensor2D } from "@tensorflow/tfjs";

/** One `nn.Linear` of the model: `x · weightᵀ + bias`. */
export interface LinearCall {
  /** State-dict prefix, e.g. `distilbert.transformer.layer.0.attention.q_lin`. */
  name: string;
  /** Input activations, `[rows, in]`. */
  x: Tensor2D;
  /** Weight in PyTorch's layout `[out, in]` (output channel = row). */
  weight: Tensor2D;
  bias: Tensor1D;
  /** Whether the pass trains (dropout on, observers may update). */
  training: boolean;
}

/**
 * One embedding lookup: rows of the word table (by token id) or of the position table (the first
 * `length` rows). Exactly one of `ids` and `length` is set.
 */
export interface EmbeddingCall {
  /** `distilbert.embeddings.word_embeddings` or `distilbert.embeddings.position_embeddings`. */
  name: string;
  /** The whole table `[rows, dim]` (the model's variable, or what an outer hook replaced it by). */
  table: Tensor2D;
  /** Word lookup: the token ids, `[size · seqLen]` int32, batch rows one after the other. */
  ids?: Tensor1D;
  /** Position lookup: how many rows to read from the top (the batch's `seqLen`). */
  length?: number;
  training: boolean;
}

/** One of the two attention products of a layer. */
export interface MatMulCall {
  /** `distilbert.transformer.layer.0.attention.scores` (q·kᵀ) or `….context` (probs·v). */
  name: string;
  a: Tensor;
  b: Tensor;
  training: boolean;
}

/** Hooks of `TfDistilBert.forward` (set `model.hooks`); all optional. */
export interface ForwardHooks {
  /** Wraps every Linear (q/k/v/out_lin, ffn lin1/lin2, pre_classifier, classifier). */
  linear?(call: LinearCall, next: (call: LinearCall) => Tensor2D): Tensor2D;
  /**
   * Wraps the two embedding lookups (word, then position); the result is `[ids.length, dim]` for
   * words and `[length, dim]` for positions. A hook may pass `next` another `table` or transform
   * the rows `next` returns (cheaper for an elementwise change: only the rows read).
   */
  embedding?(call: EmbeddingCall, next: (call: EmbeddingCall) => Tensor2D): Tensor2D;
  /** Wraps the attention matrix products `scores = (q/√d)·kᵀ` and `context = probs·v`. */
  matMul?(call: MatMulCall, next: (call: MatMulCall) => Tensor): Tensor;
}

/**
 * Hooks that run the first layer outermost and each next one inside the previous (as its
 * `next`), the last closest to the op: `composeHooks(outer, inner)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { composeHooks } from "./hooks.ts";
 * const seen: string[] = [];
 * const hooks = composeHooks(
 *   { matMul: (c, next) => (seen.push("outer"), next(c)) },
 *   { matMul: (c, next) => (seen.push("inner"), next(c)) },
 * );
 * hooks.matMul!({ name: "m", a: null!, b: null!, training: false }, () => (seen.push("op"), null!));
 * assert.deepEqual(seen, ["outer", "inner", "op"]);
 * ```
 */
export function composeHooks(...layers: ForwardHooks[]): ForwardHooks {
  return layers.reduce(composeTwo, {});
}

function composeTwo(outer: ForwardHooks, inner: ForwardHooks): ForwardHooks {
  const chain = <C, R>(
    o: ((c: C, next: (c: C) => R) => R) | undefined,
    i: ((c: C, next: (c: C) => R) => R) | undefined,
  ) => {
    if (!o) return i;
    if (!i) return o;
    return (call: C, next: (c: C) => R) => o(call, (c) => i(c, next));
  };
  return {
    linear: chain(outer.linear, inner.linear),
    matMul: chain(outer.matMul, inner.matMul),
    embedding: chain(outer.embedding, inner.embedding),
  };
}
