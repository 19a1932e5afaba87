/**
 * Seeded random numbers for the kit: the generator {@link Rng} (sfc32 with uniform, integer,
 * sampling, shuffle and normal draws, and a four-word state to store and resume from), seeded by
 * {@link createRng}`(seed)` or by `new Rng(...parts)` (parts hashed by {@link mixSeed}), for new
 * code; and the small 32-bit sources that define existing streams ({@link xorshift32},
 * {@link mulberry32}, with {@link boxMuller}).
 *
 * @module
 */
export * from "./rng.ts";
export * from "./sources.ts";
