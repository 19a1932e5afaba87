/**
 * The training engine's random numbers: a small seeded generator (sfc32, seeded through
 * splitmix32) whose whole state is four 32-bit words, so a checkpoint can store it and a resumed
 * run draws the same numbers. Streams are derived from `(seed, purpose, counter)` — e.g. the
 * shuffle of epoch 3, the dropout masks of step 120 — so resuming only needs the counters.
 *
 * @module
 */

/** Four 32-bit words: everything needed to continue a {@link Rng} where it stopped. */
export type RngState = [number, number, number, number];

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

/** Hashes integers into one 32-bit seed (order matters). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const next = splitmix32(h ^ (part >>> 0) ^ Math.floor(part / 4294967296));
    h = next() ^ next();
  }
  return h >>> 0;
}

/**
 * A deterministic generator of uniform numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "./rng.ts";
 * const a = new Rng(42);
 * const first = [a.next(), a.next()];
 * assert.deepEqual([new Rng(42).next(), new Rng(42).next()], [first[0], first[0]]);
 * const b = Rng.fromState(a.state());
 * assert.equal(b.next(), a.next());
 * assert.ok(first.every((x) => x >= 0 && x < 1));
 * ```
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator seeded by the integers `seed` (combined with {@link mixSeed}). */
  constructor(...seed: number[]) {
    const next = splitmix32(mixSeed(...seed));
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
  }

  /** A generator that continues from `state`. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    [rng.#a, rng.#b, rng.#c, rng.#d] = state.map((x) => x >>> 0);
    return rng;
  }

  /** The current state, to store and continue from. */
  state(): RngState {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns them. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
