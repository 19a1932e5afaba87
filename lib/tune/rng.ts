/**
 * A small seeded random number generator (sfc32 seeded by splitmix32), so tuning is
 * reproducible: the same seed gives the same sequence on every platform.
 *
 * @module
 */

/** Uniform numbers and the helpers the random strategy needs. */
export interface TuneRng {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `k` distinct elements, in the order drawn. */
  sample<T>(items: readonly T[], k: number): T[];
}

/**
 * A generator for `seed` (any integer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createTuneRng } from "./rng.ts";
 * const a = createTuneRng(7);
 * const b = createTuneRng(7);
 * const xs = [a.next(), a.next(), a.int(10)];
 * assert.deepEqual([b.next(), b.next(), b.int(10)], xs);
 * assert.ok(xs[0] >= 0 && xs[0] < 1);
 * assert.equal(new Set(createTuneRng(1).sample([1, 2, 3, 4], 4)).size, 4);
 * ```
 */
export function createTuneRng(seed: number): TuneRng {
  let s = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: (items) => items[int(items.length)],
    sample(items, k) {
      const pool = [...items];
      const out = [];
      for (let i = 0; i < Math.min(k, pool.length); i++) {
        const j = i + int(pool.length - i);
        [pool[i], pool[j]] = [pool[j], pool[i]];
        out.push(pool[i]);
      }
      return out;
    },
  };
}
