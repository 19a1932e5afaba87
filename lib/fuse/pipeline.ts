/**
 * `fuse`: runs fusion passes in pipeline order and reports what each did.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { DEFAULT_PASSES, FUSION_PASSES, fusionPass } from "./registry.ts";
import { FusionReport, type PassReport } from "./report.ts";

/** Options of {@link fuse}. */
export interface FuseOptions {
  /**
   * Names of the passes to run (default {@link DEFAULT_PASSES}, tuned for ORT's CPU provider;
   * `ALL_PASSES` for every pass). They run in registry order whatever the order given, so
   * each runs after the passes it needs.
   */
  passes?: readonly string[];
  /** Progress per pass (default: none; fusing DistilBERT takes about a second). */
  progress?: ProgressOption;
}

/** The fused model and the report. */
export interface FuseResult {
  model: Model;
  report: FusionReport;
}

/**
 * Runs the fusion passes on a copy of `model` (the input is not changed). Graph inputs and
 * outputs keep their names; weights that stay MatMul weights stay initializers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { fuse } from "./pipeline.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = buildDistilBert(config, { seed: 1 });
 * const { model: fused, report } = fuse(model);
 * assert.ok(report.nodesAfter < report.nodesBefore / 3);
 * assert.equal(report.matchCounts()["attention"], 2);
 * assert.deepEqual(fused.graph.outputs.map((o) => o.name), ["logits"]);
 * ```
 */
export function fuse(model: Model, options: FuseOptions = {}): FuseResult {
  const selected = new Set(options.passes ?? DEFAULT_PASSES);
  for (const name of selected) fusionPass(name); // unknown names throw before any work
  const passes = FUSION_PASSES.filter((p) => selected.has(p.name));
  const progress = progressReporter(options.progress ?? false, {
    label: "fuse",
    total: passes.length,
    unit: "passes",
  });
  const reports: PassReport[] = [];
  let current = model;
  try {
    for (const pass of passes) {
      const start = performance.now();
      const result = pass.run(current);
      reports.push({
        pass: pass.name,
        description: pass.description,
        matches: result.matches,
        nodesBefore: current.graph.nodes.length,
        nodesAfter: result.model.graph.nodes.length,
        ms: performance.now() - start,
        notes: result.notes ?? [],
      });
      current = result.model;
      progress.tick();
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done();
  return { model: current, report: new FusionReport(reports) };
}
