/**
 * The workshop's application layer: the flagship demo, the workshop's quantization step, the FP32
 * bench suite and the hub-layout writer, as the command line and the notebooks use them. Only
 * `lib/cli` and `lib/mod.ts` import it; techniques never do (see CONTRIBUTING.md, "Layers").
 *
 * @module
 */
export * from "./check_options.ts";
export * from "./loaders.ts";
export * from "./demo.ts";
export * from "./fp32_bench.ts";
export * from "./hub_layout.ts";
export * from "./quantize_workshop_model.ts";
export * from "./quantize_report.ts";
export * from "./prefetch.ts";
export * from "./export_dtypes.ts";
export * from "./workshop_manifest.ts";
export * from "./strategy_comparison.ts";
export * from "./strategy_comparison_profile.ts";
export * from "./tune_bench.ts";
export * from "./experiment/mod.ts";
export * from "./prune_workshop_model.ts";
export * from "./prune_report.ts";
