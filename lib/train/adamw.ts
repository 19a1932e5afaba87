/**
 * AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient, as
 * `torch.optim.AdamW` computes it, with no decay on biases and LayerNorm weights (the split
 * Hugging Face's `Trainer` makes).
 *
 * @module
 */
import type { Tensor, Variable } from "@tensorflow/tfjs";
import type { WeightMap } from "../model/weights.ts";
import { tf } from "./backend.ts";

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (PyTorch's). */
  epsilon?: number;
  /** Decoupled weight decay, default 0.01. */
  weightDecay?: number;
  /** Which weights decay (state-dict name → boolean); default {@link decaysByDefault}. */
  decays?: (name: string) => boolean;
}

/** The optimizer's state, to checkpoint and restore. */
export interface AdamWState {
  /** Updates applied so far. */
  step: number;
  /** First moments by weight name. */
  m: WeightMap;
  /** Second moments by weight name. */
  v: WeightMap;
}

/** A state does not fit the optimizer's weights; the message names the weight. */
export class OptimizerStateError extends Error {
  override name = "OptimizerStateError";
}

/**
 * Hugging Face's rule: everything decays except biases and LayerNorm weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decaysByDefault } from "./adamw.ts";
 * assert.equal(decaysByDefault("distilbert.transformer.layer.0.ffn.lin1.weight"), true);
 * assert.equal(decaysByDefault("distilbert.transformer.layer.0.ffn.lin1.bias"), false);
 * assert.equal(decaysByDefault("distilbert.embeddings.LayerNorm.weight"), false);
 * assert.equal(decaysByDefault("distilbert.transformer.layer.0.sa_layer_norm.weight"), false);
 * ```
 */
export function decaysByDefault(name: string): boolean {
  return !(name.endsWith(".bias") || /LayerNorm|layer_norm/.test(name));
}

interface Slot {
  param: Variable;
  m: Float32Array;
  v: Float32Array;
  decays: boolean;
}

/**
 * AdamW over named variables. For update t (1-based) with learning rate lr:
 * `p ← p·(1 − lr·wd)` (decaying weights only), `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)`, computed in float64 and stored in float32.
 * The moments live in JavaScript memory, not in the wasm heap (4 GB at most, which full-size
 * DistilBERT's activations need).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { AdamW } from "./adamw.ts";
 * const tf = await initTf();
 * const w = tf.variable(tf.tensor1d([1]));
 * const opt = new AdamW(new Map([["w.weight", w]]), { weightDecay: 0 });
 * opt.apply(new Map([["w.weight", tf.tensor1d([0.5])]]), 0.1);
 * assert.ok(Math.abs(w.dataSync()[0] - 0.9) < 1e-6); // the first step moves by lr
 * ```
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  #step = 0;
  readonly #slots = new Map<string, Slot>();

  constructor(params: ReadonlyMap<string, Variable>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    const decays = options.decays ?? decaysByDefault;
    for (const [name, param] of params) {
      this.#slots.set(name, {
        param,
        m: new Float32Array(param.size),
        v: new Float32Array(param.size),
        decays: decays(name),
      });
    }
  }

  /** Updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /** Names of the weights it updates. */
  names(): string[] {
    return [...this.#slots.keys()];
  }

  /**
   * One update with gradients by weight name (weights without a gradient are left alone, their
   * moments too) and learning rate `lr`.
   */
  apply(grads: ReadonlyMap<string, Tensor>, lr: number): void {
    const arrays = new Map<string, Float32Array>();
    for (const [name, g] of grads) arrays.set(name, g.dataSync() as Float32Array);
    this.applyArrays(arrays, lr);
  }

  /**
   * {@link AdamW.apply} with gradients already read into JavaScript arrays, each multiplied by
   * `gradScale` first (gradient clipping without another pass over the tensors).
   */
  applyArrays(grads: ReadonlyMap<string, Float32Array>, lr: number, gradScale = 1): void {
    this.#step++;
    const t = this.#step;
    const { beta1, beta2, epsilon } = this;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    for (const [name, slot] of this.#slots) {
      const g = grads.get(name);
      if (!g) continue;
      if (g.length !== slot.m.length) {
        throw new OptimizerStateError(
          `The gradient of "${name}" has ${g.length} values, the weight ${slot.m.length}.`,
        );
      }
      const p = slot.param.dataSync() as Float32Array;
      const shrink = slot.decays ? 1 - lr * this.weightDecay : 1;
      const { m, v } = slot;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * gradScale;
        const mi = beta1 * m[i] + (1 - beta1) * gi;
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * shrink - stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + epsilon));
      }
      const updated = tf.tensor(p, slot.param.shape, "float32");
      slot.param.assign(updated);
      updated.dispose();
    }
  }

  /** A copy of the state (step and moments), for a checkpoint. */
  state(): AdamWState {
    const m: WeightMap = new Map();
    const v: WeightMap = new Map();
    for (const [name, slot] of this.#slots) {
      m.set(name, { shape: [...slot.param.shape], data: slot.m.slice() });
      v.set(name, { shape: [...slot.param.shape], data: slot.v.slice() });
    }
    return { step: this.#step, m, v };
  }

  /** Restores a state made by {@link AdamW.state}; throws {@link OptimizerStateError} on mismatch. */
  loadState(state: AdamWState): void {
    for (const [name, slot] of this.#slots) {
      for (const [kind, map, target] of [["m", state.m, slot.m], ["v", state.v, slot.v]] as const) {
        const saved = map.get(name);
        if (!saved || saved.data.length !== target.length) {
          throw new OptimizerStateError(
            `The optimizer state has no ${kind} of shape [${slot.param.shape}] for "${name}"; it ` +
              `was saved for another model or set of trainable weights.`,
          );
        }
      }
    }
    for (const [name, slot] of this.#slots) {
      slot.m.set(state.m.get(name)!.data);
      slot.v.set(state.v.get(name)!.data);
    }
    this.#step = state.step;
  }

  /** Releases the moments (kept for symmetry with tfjs objects; they are JavaScript memory). */
  dispose(): void {
    for (const slot of this.#slots.values()) {
      slot.m = new Float32Array(0);
      slot.v = new Float32Array(0);
    }
  }
}
