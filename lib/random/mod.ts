/**
 * Seeded random numbers for the kit: {@link createRng} (sfc32 with uniform, integer, sampling,
 * shuffle and normal draws) for new code, and the small 32-bit sources that define existing
 * streams ({@link xorshift32}, {@link mulberry32}, with {@link boxMuller}).
 *
 * @module
 */
export * from "./rng.ts";
export * from "./sources.ts";
