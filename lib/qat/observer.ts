/**
 * Moving-average min/max observers: the activation ranges of quantization-aware training. Each
 * training batch's minimum and maximum are folded into an exponential moving average,
 * `range ← momentum · range + (1 − momentum) · batch` (PyTorch's `MovingAverageMinMaxObserver`
 * with `averaging_constant = 1 − momentum`), so one outlier batch cannot blow the range up;
 * the first batch (or a calibration range) initializes it.
 *
 * @module
 */
import type { MinMax } from "../quant/mod.ts";

/** PyTorch's default: averaging constant 0.01. */
export const DEFAULT_OBSERVER_MOMENTUM = 0.99;

/** What an observer stores, to save and restore. */
export interface ObserverState {
  momentum: number;
  /** The range, or null before the first observation. */
  range: MinMax | null;
  /** Batches folded in since the start (a calibration range counts as none). */
  updates: number;
}

/** An observer was given an impossible value; the message names it. */
export class ObserverError extends Error {
  override name = "ObserverError";
}

/**
 * The running range of one activation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MinMaxObserver } from "./observer.ts";
 * const o = new MinMaxObserver({ momentum: 0.9 });
 * o.observe({ min: -1, max: 2 }); // the first batch sets the range
 * o.observe({ min: -3, max: 1 });
 * assert.ok(Math.abs(o.range!.min - -1.2) < 1e-12); // 0.9·(−1) + 0.1·(−3)
 * assert.ok(Math.abs(o.range!.max - 1.9) < 1e-12); // 0.9·2 + 0.1·1
 * assert.equal(o.updates, 2);
 * ```
 */
export class MinMaxObserver {
  /** Weight of the old range in each update, in [0, 1). */
  readonly momentum: number;
  #range: MinMax | undefined;
  #updates = 0;

  constructor(options: { momentum?: number; range?: MinMax } = {}) {
    const momentum = options.momentum ?? DEFAULT_OBSERVER_MOMENTUM;
    if (!(momentum >= 0 && momentum < 1)) {
      throw new ObserverError(
        `observer momentum ${momentum} must be in [0, 1) (0.99 averages over ~100 batches).`,
      );
    }
    this.momentum = momentum;
    if (options.range) this.#range = checked(options.range, "initial range");
  }

  /** The current range, undefined before any observation or calibration. */
  get range(): MinMax | undefined {
    return this.#range ? { ...this.#range } : undefined;
  }

  /** Batches folded in so far. */
  get updates(): number {
    return this.#updates;
  }

  /** Folds one batch's min and max into the range. */
  observe(batch: MinMax): void {
    const { min, max } = checked(batch, "batch range");
    const old = this.#range;
    const m = this.momentum;
    this.#range = old
      ? { min: m * old.min + (1 - m) * min, max: m * old.max + (1 - m) * max }
      : { min, max };
    this.#updates++;
  }

  /** Sets the range (e.g. from calibration); later batches average into it. */
  reset(range?: MinMax): void {
    this.#range = range ? checked(range, "range") : undefined;
    this.#updates = 0;
  }

  /** The state to store. */
  state(): ObserverState {
    return { momentum: this.momentum, range: this.range ?? null, updates: this.#updates };
  }

  /**
   * An observer continuing from `state`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MinMaxObserver } from "./observer.ts";
   * const o = new MinMaxObserver({ range: { min: -1, max: 1 } });
   * o.observe({ min: -2, max: 2 });
   * assert.deepEqual(MinMaxObserver.fromState(o.state()).state(), o.state());
   * ```
   */
  static fromState(state: ObserverState): MinMaxObserver {
    const observer = new MinMaxObserver({
      momentum: state.momentum,
      range: state.range ?? undefined,
    });
    observer.#updates = state.updates;
    return observer;
  }
}

function checked(range: MinMax, what: string): MinMax {
  const { min, max } = range;
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new ObserverError(
      `${what} [${min}, ${max}] is not a finite range with min ≤ max; the activations hold ` +
        "NaN or Infinity (check the learning rate and the inputs).",
    );
  }
  return { min, max };
}
