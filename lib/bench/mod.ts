/**
 * Benchmarks: latency statistics, model timings at fixed shapes, memory and machine description.
 *
 * @module
 */
export * from "./stats.ts";
export * from "./latency.ts";
export * from "./memory.ts";
export * from "./machine.ts";
export * from "./model_bench.ts";
export * from "./suite.ts";
export * from "./interleaved.ts";
export * from "./run_suites.ts";
export * from "./interleaved_variant_rows.ts";
