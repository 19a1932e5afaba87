/**
 * Pruning criteria (saliency measures) and their registry.
 *
 * @module
 */
export * from "./types.ts";
export * from "./magnitude.ts";
export * from "./gradient_scores.ts";
export * from "./taylor.ts";
export * from "./snip_momentum.ts";
export * from "./group_lasso.ts";
export * from "./random.ts";
export * from "./registry.ts";
