/**
 * The kit's seeded random number generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128-bit state) seeded through splitmix32, so the same seed gives the same numbers on
 * every platform. Its whole state is four 32-bit words ({@link RngState}), so a run can store it
 * and continue the same stream later.
 *
 * Two seedings, each defining existing streams (weights, tuner trials, batches, dropout masks):
 * - {@link createRng}`(seed)`: one integer, the state is four splitmix32 outputs of it and the
 *   first 12 draws are dropped (random model weights, the tuner);
 * - `new` {@link Rng}`(...parts)`: integers hashed by {@link mixSeed} — e.g. `(seed, purpose,
 *   counter)`, the shuffle of epoch 3 or the dropout masks of step 120 — with no draws dropped
 *   (the training engine).
 *
 * @module
 */

/** Four unsigned 32-bit words: everything needed to continue a {@link Rng} where it stopped. */
export type RngState = [number, number, number, number];

/** Asking for the state of a generator holding the second value of a {@link Rng.normal} pair. */
export class RngStateError extends Error {
  override name = "RngStateError";
}

/** splitmix32 from `seed` (taken mod 2^32): a stream of unsigned 32-bit words. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Hashes integers into one unsigned 32-bit seed (order matters; each part's low and high 32 bits
 * both count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mixSeed } from "./rng.ts";
 * assert.equal(mixSeed(7, 3), mixSeed(7, 3));
 * assert.notEqual(mixSeed(7, 3), mixSeed(3, 7));
 * assert.ok(Number.isInteger(mixSeed(1)) && mixSeed(1) >= 0 && mixSeed(1) < 2 ** 32);
 * ```
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const next = splitmix32(h ^ (part >>> 0) ^ Math.floor(part / 4294967296));
    h = next() ^ next();
  }
  return h >>> 0;
}

/**
 * A seeded generator of uniform, integer, sampling and normal draws (sfc32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "./rng.ts";
 * const a = new Rng(42, 1);
 * const first = a.next();
 * assert.equal(new Rng(42, 1).next(), first);
 * assert.ok(first >= 0 && first < 1);
 * const saved = JSON.parse(JSON.stringify(a.state()));
 * const b = Rng.fromState(saved);
 * assert.deepEqual([b.next(), b.int(10)], [a.next(), a.int(10)]);
 * ```
 */
export class Rng {
  // The words are kept as signed 32-bit integers (small integers for the engine) and exposed
  // unsigned by state().
  #a = 0;
  #b = 0;
  #c = 0;
  #d = 0;
  /** The second value of the last normal pair, returned by the next normal() call. */
  #spare: number | undefined;

  /**
   * A generator seeded by the integers `parts`, hashed by {@link mixSeed} into a splitmix32
   * stream whose first four words are the state.
   */
  constructor(...parts: number[]) {
    const split = splitmix32(mixSeed(...parts));
    this.#set([split(), split(), split(), split()]);
  }

  /**
   * A generator that continues from `state` (as returned by {@link Rng.state}; each word is taken
   * mod 2^32).
   */
  static fromState(state: Readonly<RngState>): Rng {
    const rng = new Rng();
    rng.#set(state);
    return rng;
  }

  #set(state: Readonly<RngState>): void {
    if (state.length !== 4) {
      throw new RangeError(`An Rng state has 4 words, not ${state.length}.`);
    }
    this.#a = state[0] | 0;
    this.#b = state[1] | 0;
    this.#c = state[2] | 0;
    this.#d = state[3] | 0;
  }

  /**
   * The current state, to store (it is JSON-serialisable) and continue from with
   * {@link Rng.fromState}. Throws {@link RngStateError} between the two values of a
   * {@link Rng.normal} pair, which the state could not carry.
   */
  state(): RngState {
    if (this.#spare !== undefined) {
      throw new RngStateError(
        "state() between the two values of a normal() pair: the pending value would be lost; " +
          "draw it first (or take the state before the pair).",
      );
    }
    return [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0];
  }

  /** The next unsigned 32-bit integer (one sfc32 step). */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A number in [0, 1) (a 32-bit draw divided by 2^32). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `k` distinct elements, in the order drawn (a partial Fisher–Yates shuffle of a copy). */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = [...items];
    const out = [];
    for (let i = 0; i < Math.min(k, pool.length); i++) {
      const j = i + this.int(pool.length - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
      out.push(pool[i]);
    }
    return out;
  }

  /** A shuffled copy of `items` (Fisher–Yates, front to back: {@link Rng.sample} of them all). */
  shuffle<T>(items: readonly T[]): T[] {
    return this.sample(items, items.length);
  }

  /**
   * Shuffles `items` in place and returns them (Fisher–Yates, back to front: a different stream
   * from {@link Rng.shuffle}'s).
   */
  shuffleInPlace<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** A standard normal value (Marsaglia's polar method; the pair's second value is kept for the next call). */
  normal(): number {
    if (this.#spare !== undefined) {
      const value = this.#spare;
      this.#spare = undefined;
      return value;
    }
    const [x, y] = this.#polarPair(1);
    this.#spare = y;
    return x;
  }

  /** Fills `out` with normal(0, std) values, pair by pair (Marsaglia's polar method). */
  fillNormal(out: Float32Array | Float64Array, std = 1): void {
    for (let i = 0; i < out.length; i += 2) {
      const [x, y] = this.#polarPair(std);
      out[i] = x;
      if (i + 1 < out.length) out[i + 1] = y;
    }
  }

  /** Two independent normal(0, scale) values: u·f and v·f with f = scale·√(−2 ln r / r). */
  #polarPair(scale: number): [number, number] {
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const r = u * u + v * v;
      if (r >= 1 || r === 0) continue;
      const f = scale * Math.sqrt((-2 * Math.log(r)) / r);
      return [u * f, v * f];
    }
  }
}

/**
 * A generator for `seed` (any integer; the low and high 32 bits are folded together). The state
 * is four splitmix32 outputs, and the first 12 draws are dropped to mix it. (A different stream
 * from `new Rng(seed)`, which hashes its seed with {@link mixSeed}.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * const a = createRng(7);
 * const b = createRng(7);
 * const xs = [a.next(), a.int(10), a.normal()];
 * assert.deepEqual([b.next(), b.int(10), b.normal()], xs);
 * assert.ok(xs[0] >= 0 && xs[0] < 1);
 * assert.deepEqual(createRng(1).shuffle([1, 2, 3, 4]).sort(), [1, 2, 3, 4]);
 * ```
 */
export function createRng(seed: number): Rng {
  const split = splitmix32(Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32));
  const rng = Rng.fromState([split(), split(), split(), split()]);
  for (let i = 0; i < 12; i++) rng.nextUint32();
  return rng;
}
