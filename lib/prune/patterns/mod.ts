/**
 * Pruning granularities: element-wise, N:M, blocks, FFN neurons, attention heads, and their
 * registry.
 *
 * @module
 */
export * from "./types.ts";
export * from "./element.ts";
export * from "./n_m.ts";
export * from "./block.ts";
export * from "./ffn_neuron.ts";
export * from "./attention_head.ts";
export * from "./registry.ts";
