/**
 * Experiment configs and runs that reproduce: a YAML file describes a run of any technique
 * ({@link parseExperimentConfig}, errors naming key path and line; {@link TECHNIQUES}),
 * {@link runExperiment} runs it ({@link TECHNIQUE_STEPS}), scores the result against FP32
 * ({@link scoreAgainstFp32}) and writes `report.json` with a manifest, and
 * {@link reproduceReport} runs a report again and compares each figure then and now
 * (`deno task run`, `deno task reproduce`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "./mod.ts";
 * assert.equal(parseExperimentConfig("model: { id: org/m }\n").strategy, "basic");
 * ```
 *
 * @module
 */
export * from "./config.ts";
export * from "./run.ts";
export * from "./reproduce.ts";
export * from "./run_figures.ts";
export * from "./techniques.ts";
export * from "./run_page.ts";
