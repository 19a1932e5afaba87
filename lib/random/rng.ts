/**
 * The kit's seeded random number generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128-bit state) seeded through splitmix32, so the same seed gives the same numbers on
 * every platform.
 *
 * @module
 */

/** Uniform, integer, sampling and normal draws from one seeded stream. */
export interface Rng {
  /** A number in [0, 1) (a 32-bit draw divided by 2^32). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `k` distinct elements, in the order drawn (a partial Fisher–Yates shuffle of a copy). */
  sample<T>(items: readonly T[], k: number): T[];
  /** A shuffled copy of `items` (Fisher–Yates, front to back). */
  shuffle<T>(items: readonly T[]): T[];
  /** A standard normal value (Marsaglia's polar method; the pair's second value is kept for the next call). */
  normal(): number;
  /** Fills `out` with normal(0, std) values, pair by pair (Marsaglia's polar method). */
  fillNormal(out: Float32Array | Float64Array, std?: number): void;
}

/**
 * A generator for `seed` (any integer; the low and high 32 bits are folded together). The sfc32
 * state is four splitmix32 outputs, and the first 12 outputs are dropped to mix it.
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
  /** Two independent normal(0, scale) values: u·f and v·f with f = scale·√(−2 ln r / r). */
  const polarPair = (scale: number): [number, number] => {
    for (;;) {
      const u = 2 * next() - 1;
      const v = 2 * next() - 1;
      const r = u * u + v * v;
      if (r >= 1 || r === 0) continue;
      const f = scale * Math.sqrt((-2 * Math.log(r)) / r);
      return [u * f, v * f];
    }
  };
  let spare: number | undefined;
  const sample = <T>(items: readonly T[], k: number): T[] => {
    const pool = [...items];
    const out = [];
    for (let i = 0; i < Math.min(k, pool.length); i++) {
      const j = i + int(pool.length - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
      out.push(pool[i]);
    }
    return out;
  };
  return {
    next,
    int,
    pick: (items) => items[int(items.length)],
    sample,
    shuffle: (items) => sample(items, items.length),
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      const [x, y] = polarPair(1);
      spare = y;
      return x;
    },
    fillNormal(out, std = 1) {
      for (let i = 0; i < out.length; i += 2) {
        const [x, y] = polarPair(std);
        out[i] = x;
        if (i + 1 < out.length) out[i + 1] = y;
      }
    },
  };
}
