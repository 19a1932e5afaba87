/**
 * The QAT quantizer: forward hooks for the training engine's DistilBERT that fake-quantize every
 * Linear (its input from a moving-average observer, its weight per output channel, its bias as
 * int32), optionally the attention products and the embedding tables (per hidden unit), plus the
 * observers themselves. Attached to a `TfDistilBert`, the model computes in training and
 * evaluation exactly what the QDQ model `exportQatModel` writes will compute in ONNX Runtime.
 *
 * Observers update only in training-mode passes (and only while `observing`); a site without a
 * range yet is left in float, as `quantizeStatic` leaves an activation without a calibrated range.
 *
 * @module
 */
import type { Tensor, Tensor2D } from "@tensorflow/tfjs";
import { computeQuantParams, type MinMax, type QuantParams, type QuantType } from "../quant/mod.ts";
import {
  composeHooks,
  type EmbeddingCall,
  type ForwardHooks,
  type LinearCall,
  type MatMulCall,
  tf,
  type TfDistilBert,
} from "../train/mod.ts";
import {
  embeddingQuantParams,
  fakeQuantize,
  fakeQuantizeBias,
  weightQuantParams,
} from "./fake_quant.ts";
import { MinMaxObserver, type ObserverState } from "./observer.ts";
import { type QatScheme, resolveQatScheme } from "./scheme.ts";
import { matMulSite } from "./sites.ts";

/** Site ranges given as a map or a record. */
export type SiteRanges = ReadonlyMap<string, MinMax> | Readonly<Record<string, MinMax>>;

/** Options of {@link QatQuantizer}: the scheme plus initial ranges. */
export interface QatQuantizerOptions extends Partial<QatScheme> {
  /** Initial activation ranges by site (a calibration warm-up; see `siteRanges`). */
  ranges?: SiteRanges;
}

/** Everything a quantizer stores, to save with a checkpoint and restore. */
export interface QatQuantizerState {
  scheme: QatScheme;
  observers: Record<string, ObserverState>;
}

/** A saved QAT state does not fit this quantizer or run; the message says why. */
export class QatStateError extends Error {
  override name = "QatStateError";
}

/** A fake-quantized activation and its parameters. */
interface Quantized<T extends Tensor> {
  value: T;
  params: QuantParams;
}

/**
 * Fake quantization of a `TfDistilBert` for quantization-aware training.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tf, TfDistilBert } from "../train/mod.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { QatQuantizer } from "./quantizer.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const batch = { size: 1, seqLen: 3, inputIds: [2, 7, 3], attentionMask: [1, 1, 1] };
 * const fp32 = model.predict(batch);
 * const qat = new QatQuantizer();
 * qat.attach(model);
 * tf.tidy(() => model.forward(batch, { training: true }).logits); // observes: each Linear's input gets a range
 * assert.equal(qat.ranges().size, 8);
 * const int8 = model.predict(batch);
 * assert.notDeepEqual(int8, fp32);
 * assert.ok(Math.abs(int8[0] - fp32[0]) < 0.1);
 * qat.detach(model);
 * assert.deepEqual(model.predict(batch), fp32);
 * model.dispose();
 * ```
 */
export class QatQuantizer {
  readonly scheme: QatScheme;
  /** Fake quantization on (default true); off, an attached model computes in float. */
  enabled = true;
  /** Observers update in training-mode passes (default true); false freezes the ranges. */
  observing = true;
  readonly #observers = new Map<string, MinMaxObserver>();
  readonly #excluded: ReadonlySet<string>;
  readonly #attached = new Map<TfDistilBert, ForwardHooks>();
  /** Per tensor: its min and max, read once when several sites see it (q/k/v). */
  #extremes = new WeakMap<Tensor, MinMax>();
  /** Per tensor: its fake-quantized values, computed once when sites share input and range. */
  #shared = new WeakMap<Tensor, Quantized<Tensor>>();

  constructor(options: QatQuantizerOptions = {}) {
    const { ranges, ...scheme } = options;
    this.scheme = resolveQatScheme(scheme);
    this.#excluded = new Set(this.scheme.excludeLinears);
    if (ranges) this.setRanges(ranges);
  }

  /** The forward hooks (see `lib/train/hooks.ts`). */
  get hooks(): ForwardHooks {
    return {
      linear: (call, next) => this.#linear(call, next),
      matMul: (call, next) => this.#matMul(call, next),
      embedding: (call, next) => this.#embedding(call, next),
    };
  }

  /** Installs the hooks on `model`, around any hooks it already has (those run first). */
  attach(model: TfDistilBert): void {
    if (this.#attached.has(model)) return;
    const previous = model.hooks;
    this.#attached.set(model, previous);
    model.hooks = composeHooks(previous, this.hooks);
  }

  /** Whether the hooks are installed on `model` (by {@link attach}). */
  attachedTo(model: TfDistilBert): boolean {
    return this.#attached.has(model);
  }

  /** Restores the hooks `model` had before {@link attach}. */
  detach(model: TfDistilBert): void {
    const previous = this.#attached.get(model);
    if (previous === undefined) return;
    model.hooks = previous;
    this.#attached.delete(model);
  }

  /** The observer of a site, if the site has been seen or given a range. */
  observer(site: string): MinMaxObserver | undefined {
    return this.#observers.get(site);
  }

  /** Every site's current range. */
  ranges(): Map<string, MinMax> {
    const out = new Map<string, MinMax>();
    for (const [site, observer] of this.#observers) {
      const range = observer.range;
      if (range) out.set(site, range);
    }
    return out;
  }

  /** Sets the ranges of the given sites (others keep theirs). */
  setRanges(ranges: SiteRanges): void {
    const entries = ranges instanceof Map ? ranges.entries() : Object.entries(ranges);
    for (const [site, range] of entries) this.#observerOf(site).reset(range);
  }

  /** Scale and zero point of a site's activations now, undefined without a range. */
  activationParams(site: string): QuantParams | undefined {
    const range = this.#observers.get(site)?.range;
    if (!range) return undefined;
    const { type, symmetric } = this.#siteType(site);
    return computeQuantParams({ ...range, type, symmetric });
  }

  /** The scheme and every observer, for a checkpoint. */
  state(): QatQuantizerState {
    const observers: Record<string, ObserverState> = {};
    for (const [site, o] of this.#observers) observers[site] = o.state();
    return { scheme: { ...this.scheme }, observers };
  }

  /**
   * A quantizer continuing from `state`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { QatQuantizer } from "./quantizer.ts";
   * const q = new QatQuantizer({ momentum: 0.9, ranges: { classifier: { min: -1, max: 3 } } });
   * const copy = QatQuantizer.fromState(JSON.parse(JSON.stringify(q.state())));
   * assert.deepEqual(copy.state(), q.state());
   * assert.equal(copy.activationParams("classifier")!.zeroPoint[0], 64);
   * ```
   */
  static fromState(state: QatQuantizerState): QatQuantizer {
    const quantizer = new QatQuantizer(state.scheme);
    quantizer.loadState(state);
    return quantizer;
  }

  /**
   * Replaces every observer with those of `state` (a resumed run); throws
   * {@link QatStateError} when `state` was saved with another scheme.
   */
  loadState(state: QatQuantizerState): void {
    const mine = JSON.stringify(this.scheme);
    const theirs = JSON.stringify(resolveQatScheme(state.scheme));
    if (mine !== theirs) {
      throw new QatStateError(
        `the saved QAT state has scheme ${theirs}, this quantizer ${mine}; resume with the ` +
          "scheme the run started with.",
      );
    }
    this.#observers.clear();
    for (const [site, o] of Object.entries(state.observers)) {
      this.#observers.set(site, MinMaxObserver.fromState(o));
    }
  }

  #observerOf(site: string): MinMaxObserver {
    let observer = this.#observers.get(site);
    if (!observer) {
      observer = new MinMaxObserver({ momentum: this.scheme.momentum });
      this.#observers.set(site, observer);
    }
    return observer;
  }

  #siteType(site: string): { type: QuantType; symmetric: boolean } {
    // The second input of an attention product is int8 symmetric, as quantizeStatic writes it.
    return /\.attention\.(scores|context)\.b$/.test(site)
      ? { type: "int8", symmetric: true }
      : { type: this.scheme.activationType, symmetric: this.scheme.activationSymmetric };
  }

  /** Observes (training) and fake-quantizes one activation; undefined without a range. */
  #activation<T extends Tensor>(site: string, x: T, training: boolean): Quantized<T> | undefined {
    if (training && this.observing) this.#observerOf(site).observe(this.#extremesOf(x));
    const params = this.activationParams(site);
    return params ? this.#fakeQuantizeShared(x, params) : undefined;
  }

  /**
   * `x` fake-quantized with `params`, reusing the tensor of an earlier site that quantized the
   * same `x` with equal parameters (q, k and v read one input): one tensor instead of three, the
   * same values, and the same gradient (the three upstream gradients summed, then masked once).
   */
  #fakeQuantizeShared<T extends Tensor>(x: T, params: QuantParams): Quantized<T> {
    const earlier = this.#shared.get(x);
    if (earlier && !earlier.value.isDisposed && sameParams(earlier.params, params)) {
      return earlier as Quantized<T>;
    }
    const quantized = { value: fakeQuantize(x, params), params };
    this.#shared.set(x, quantized);
    return quantized;
  }

  #extremesOf(x: Tensor): MinMax {
    let found = this.#extremes.get(x);
    if (!found) {
      const [min, max] = tf.tidy(() => tf.stack([tf.min(x), tf.max(x)])).dataSync();
      found = { min, max };
      this.#extremes.set(x, found);
    }
    return found;
  }

  #linear(call: LinearCall, next: (call: LinearCall) => Tensor2D): Tensor2D {
    if (!this.enabled || this.#excluded.has(call.name)) return next(call);
    const x = this.#activation(call.name, call.x, call.training);
    if (!x) return next(call);
    const w = weightQuantParams(call.weight, { reduceRange: this.scheme.reduceRange });
    return next({
      ...call,
      x: x.value,
      weight: fakeQuantize(call.weight, w, { ownRange: true }),
      bias: fakeQuantizeBias(call.bias, x.params.scale[0], w.scale),
    });
  }

  #matMul(call: MatMulCall, next: (call: MatMulCall) => Tensor): Tensor {
    if (!this.enabled || !this.scheme.quantizeAttention) return next(call);
    const a = this.#activation(matMulSite(call.name, "a"), call.a, call.training);
    const b = this.#activation(matMulSite(call.name, "b"), call.b, call.training);
    if (!a || !b) return next(call);
    return next({ ...call, a: a.value, b: b.value });
  }

  /**
   * The lookup's rows of the fake-quantized table: the per-column parameters come from the whole
   * table, and only the rows read are fake-quantized (elementwise, so the same values and
   * straight-through gradient as quantizing the whole table first, for a fraction of the work —
   * and the order ONNX Runtime computes `Gather(table_int8) → DequantizeLinear` in).
   */
  #embedding(call: EmbeddingCall, next: (call: EmbeddingCall) => Tensor2D): Tensor2D {
    if (!this.enabled || !this.scheme.quantizeEmbeddings) return next(call);
    return fakeQuantize(
      next(call),
      embeddingQuantParams(call.table, { reduceRange: this.scheme.reduceRange }),
      { ownRange: true },
    );
  }
}

function sameParams(a: QuantParams, b: QuantParams): boolean {
  const same = (u: ArrayLike<number>, v: ArrayLike<number>) =>
    u.length === v.length && Array.prototype.every.call(u, (x: number, i: number) => x === v[i]);
  return a.type === b.type && a.axis === b.axis && same(a.scale, b.scale) &&
    same(a.zeroPoint, b.zeroPoint);
}
