/**
 * The page of a `deno task run` report (`report.html`): the FP32 model and the run's result
 * scored the way the demo scores its variants — results with intervals and speed-up, McNemar and
 * flips against FP32, confusion matrices — plus the tuner's history when the run tuned, the
 * machine and the run's manifest; one self-contained file that renders offline.
 *
 * @module
 */
import { join } from "node:path";
import { machineInfo } from "../../bench/mod.ts";
import type { Batch, MrpcRow } from "../../data/mod.ts";
import { DEMO_DATASET, evaluateVariant, latencyProfile } from "../../eval/mod.ts";
import { writeFileAtomic } from "../../fs/mod.ts";
import type { ProgressOption } from "../../progress/mod.ts";
import { DEFAULT_REPORT_SECTIONS, DemoReport, reportHtml } from "../../report/mod.ts";
import type { SessionOptions } from "../../runtime/mod.ts";
import { compareVariants } from "../../stats/mod.ts";
import type { TuneResult } from "../../tune/mod.ts";
import type { ExperimentReport } from "./run.ts";

/** Seed of the bootstrap intervals on a run's page. */
export const RUN_BOOTSTRAP_SEED = 0;

/** Options of {@link runPageHtml}. */
export interface RunPageOptions {
  report: ExperimentReport;
  /** The FP32 model's `.onnx` file (the outlier twin's, when the run tuned the twin). */
  fp32Path: string;
  /** The run's resulting `.onnx` file. */
  resultPath: string;
  /** The evaluation batches and the split's rows (the flips show their sentences). */
  batches: readonly Batch[];
  rows: readonly MrpcRow[];
  vocabSize: number;
  quick: boolean;
  /** The tuning, when the run tuned (its history is drawn). */
  tuning?: TuneResult;
  session?: SessionOptions;
  progress?: ProgressOption;
}

/**
 * Scores FP32 and the run's result once more (with their latency at batch 1 and 8) and renders
 * the run's page.
 *
 * @example
 * ```ts ignore
 * const html = await runPageHtml({ report, fp32Path, resultPath, batches, rows, vocabSize, quick: true });
 * ```
 */
export async function runPageHtml(options: RunPageOptions): Promise<string> {
  const { report: run } = options;
  const common = {
    batches: options.batches,
    vocabSize: options.vocabSize,
    latency: latencyProfile(options.quick),
    session: options.session,
    progress: options.progress,
  };
  const name = run.result.technique ?? "quantization";
  const fp32 = await evaluateVariant({ ...common, name: "fp32", path: options.fp32Path });
  const result = await evaluateVariant({
    ...common,
    name,
    path: options.resultPath,
    reference: fp32.evaluation,
  });
  const page = new DemoReport({
    model: (run.manifest.config.model as { id: string }).id,
    dataset: DEMO_DATASET,
    machine: await machineInfo(),
  }).add(fp32.result).add(result.result);
  page.comparison = compareVariants({
    labels: fp32.evaluation.labels,
    numLabels: fp32.evaluation.numLabels,
    reference: { name: "fp32", logits: fp32.evaluation.logits },
    candidates: [{ name, logits: result.evaluation.logits }],
    texts: options.batches.flatMap((b) => b.indices.map((i) => options.rows[i])),
    seed: RUN_BOOTSTRAP_SEED,
  });
  page.run = {
    command: "deno task run",
    name: run.name,
    technique: name,
    met: run.result.met,
    message: run.result.message,
    "bootstrap seed": RUN_BOOTSTRAP_SEED,
    "run seconds": Math.round(run.result.seconds * 10) / 10,
  };
  page.extra.manifest = run.manifest;
  if (options.tuning) page.extra.tuner = options.tuning.toJSON();
  return reportHtml(page, { sections: DEFAULT_REPORT_SECTIONS });
}

/**
 * Writes the page of {@link runPageHtml} as `dir/report.html`.
 *
 * @example
 * ```ts ignore
 * await writeRunPage(tmp, { report, fp32Path, resultPath: join(tmp, report.result.model!), batches, rows, vocabSize, quick });
 * ```
 */
export async function writeRunPage(dir: string, options: RunPageOptions): Promise<string> {
  const path = join(dir, "report.html");
  await writeFileAtomic(path, await runPageHtml(options));
  return path;
}
