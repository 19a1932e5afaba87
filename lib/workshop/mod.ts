/**
 * The workshop's steps as the demo, the notebooks and the command line share them.
 *
 * @module
 */
export * from "./settings.ts";
export * from "./variant.ts";
export * from "./demo.ts";
export * from "./fp32_bench.ts";
export * from "./hub_layout.ts";
export * from "./quantize.ts";
