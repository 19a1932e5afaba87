/**
 * The tuner's seeded generator, so tuning is reproducible: the kit's {@link createRng} (sfc32
 * seeded by splitmix32), under the names the tuner has always used.
 *
 * @module
 */

import { createRng, type Rng } from "../random/mod.ts";

/** Uniform numbers and the helpers the random strategy needs. */
export type TuneRng = Rng;

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
export const createTuneRng: (seed: number) => TuneRng = createRng;
