/**
 * `fuse`: runs fusion passes in pipeline order and reports what each did.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { FusionReport, type PassReport } from "./fusion_report.ts";
import { DEFAULT_PASSES, fusionPass, fusionPasses } from "./pass_registry.ts";
import type { FusionPass, PassSelection } from "./types.ts";

/** Options of {@link fuse}. */
export interface FuseOptions {
  /**
   * The passes to run: registered names, pass objects, or `{ pass, options }` for a pass that
   * takes options (default {@link DEFAULT_PASSES}, tuned for ORT's CPU provider; `ALL_PASSES`
   * for every built-in pass). Registered passes run in registry order whatever the order given,
   * so each runs after the passes it needs; unregistered pass objects run after them, in the
   * order given.
   */
  passes?: readonly PassSelection[];
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
  const passes = plan(options.passes ?? DEFAULT_PASSES);
  const progress = progressReporter(options.progress ?? false, {
    label: "fuse",
    total: passes.length,
    unit: "passes",
  });
  const reports: PassReport[] = [];
  let current = model;
  try {
    for (const { pass, options } of passes) {
      const start = performance.now();
      const result = options === undefined ? pass.run(current) : pass.run(current, options);
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

interface PlannedPass {
  pass: FusionPass;
  options?: unknown;
}

/** The selected passes in run order; unknown names throw before any work. */
function plan(selection: readonly PassSelection[]): PlannedPass[] {
  const chosen = selection.map((entry): PlannedPass => {
    const configured = typeof entry === "object" && "options" in entry && "pass" in entry;
    const ref = configured ? entry.pass : entry as string | FusionPass;
    const pass = typeof ref === "string" ? fusionPass(ref) : ref;
    return configured ? { pass, options: entry.options } : { pass };
  });
  const order = fusionPasses();
  const rank = (p: PlannedPass) => {
    const i = order.indexOf(p.pass);
    return i < 0 ? order.length : i;
  };
  const seen = new Set<FusionPass>();
  return chosen
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p)
    .filter((p) => !seen.has(p.pass) && (seen.add(p.pass), true));
}
