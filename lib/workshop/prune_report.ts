/**
 * The page of `deno task prune`'s report: its variants (dense, pruned, pruned + INT8) as the
 * report page shows the demo's — results with intervals and speed-up, McNemar and flips against
 * the dense model, confusion matrices — plus the sparsity per layer, the machine and the run's
 * manifest; one self-contained `report.html`.
 *
 * @module
 */
import type { MachineInfo } from "../bench/mod.ts";
import { DEMO_DATASET, type EvaluatedVariant } from "../eval/mod.ts";
import { Table } from "../display/mod.ts";
import {
  DEFAULT_REPORT_SECTIONS,
  DemoReport,
  reportHtml,
  type ReportSection,
} from "../report/mod.ts";
import { compareVariants } from "../stats/mod.ts";

/** Seed of the bootstrap intervals on the prune report's page. */
export const PRUNE_BOOTSTRAP_SEED = 0;

/** What the sparsity section reads from `report.extra.prune`. */
interface PruneExtra {
  criterion: string;
  targets: { pattern: string; sparsity: number }[];
  sparsity: { overall: number; byLayer: { layer: number; sparsity: number }[] };
  structured?: { layers: { heads: number; ffnUnits: number }[] };
  train: { updates: number; seconds: number };
}

/** Sparsity per layer (and, structured, the heads and FFN units each layer kept). */
export const SPARSITY_SECTION: ReportSection = {
  id: "sparsity",
  title: "Sparsity per layer",
  render: (report) => {
    const prune = report.extra.prune as PruneExtra | undefined;
    if (!prune) return undefined;
    const targets = prune.targets.map((t) => `${t.pattern} ${t.sparsity}`).join(" + ");
    return new Table(
      prune.sparsity.byLayer.map((l) => ({
        layer: l.layer,
        sparsity: l.sparsity,
        ...(prune.structured
          ? {
            "heads kept": prune.structured.layers[l.layer]?.heads,
            "FFN units kept": prune.structured.layers[l.layer]?.ffnUnits,
          }
          : {}),
      })),
      {
        title: `${prune.criterion}, ${targets}: overall sparsity ` +
          `${prune.sparsity.overall.toFixed(4)} after ${prune.train.updates} updates`,
        digits: 4,
      },
    ).toHtml();
  },
};

/** Options of {@link pruneReportHtml}. */
export interface PruneReportHtmlOptions {
  model: string;
  machine?: MachineInfo;
  /** The scored variants, the dense model first (the reference). */
  variants: readonly EvaluatedVariant[];
  /** Shown in the run section (command, profile, seeds, timings). */
  run: Record<string, string | number | boolean | undefined>;
  /** The report's own data: `prune` (criterion, targets, sparsity, train) and `manifest`. */
  extra: Record<string, unknown>;
  /** Validation rows' sentences, in the batches' order (fragile pairs show them). */
  texts?: readonly { sentence1: string; sentence2: string }[];
}

/**
 * The prune report's page, with the sparsity section before the run section.
 *
 * @example
 * ```ts ignore
 * const html = pruneReportHtml({ model, variants, run, extra: { prune: report, manifest } });
 * ```
 */
export function pruneReportHtml(options: PruneReportHtmlOptions): string {
  const report = new DemoReport({
    model: options.model,
    dataset: DEMO_DATASET,
    machine: options.machine,
  });
  for (const v of options.variants) report.add(v.result);
  const [dense, ...rest] = options.variants;
  report.comparison = compareVariants({
    labels: dense.evaluation.labels,
    numLabels: dense.evaluation.numLabels,
    reference: { name: dense.result.name, logits: dense.evaluation.logits },
    candidates: rest.map((v) => ({ name: v.result.name, logits: v.evaluation.logits })),
    texts: options.texts,
    seed: PRUNE_BOOTSTRAP_SEED,
  });
  report.run = options.run;
  Object.assign(report.extra, options.extra);
  const sections = [...DEFAULT_REPORT_SECTIONS];
  sections.splice(sections.length - 1, 0, SPARSITY_SECTION);
  return reportHtml(report, { sections });
}
