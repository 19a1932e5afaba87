import { type HubSettings, hubSettings } from "../hub/mod.ts";
import { machineInfo } from "../bench/mod.ts";
import {
  DEMO_DATASET,
  evaluateVariant,
  type EvaluationResult,
  interleavedLatency,
  latencyProfile,
} from "../eval/mod.ts";
import { DEFAULT_REPORT_SECTIONS, DemoReport, writeReport } from "../report/mod.ts";
import { ATLAS_SECTION, errorAtlas } from "../atlas/mod.ts";
import { PROFILE_SECTION, whyFaster } from "../profile/mod.ts";
import { type Model, readModel } from "../onnx/mod.ts";
import type { TokenBatch } from "../runtime/mod.ts";
import { compareVariants } from "../stats/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { quantizeWorkshopModel } from "./quantize_workshop_model.ts";
import { loadFp32Model, type WorkshopLoaders, workshopLoaders } from "./loaders.ts";
import { join, relative } from "node:path";
import { checkOutputDir, writeDirAtomic } from "../fs/mod.ts";
import { checkModelChoice } from "./check_options.ts";

/** Seed of the bootstrap intervals in the demo's report. */
const BOOTSTRAP_SEED = 0;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Hub model id (default: `WORKSHOP_MODEL`, else the real DistilBERT-MRPC). */
  modelId?: string;
  revision?: string;
  /**
   * Where `report.json`, `report.html` and the INT8 models go (default `out/demo`). The folder is
   * replaced as a whole when the run completes: an interrupted demo leaves the previous one.
   */
  outDir?: string;
  settings?: HubSettings;
  /** Short latency runs (default: `WORKSHOP_QUICK`). */
  quick?: boolean;
  progress?: ProgressOption;
  /** How the model and data are loaded (default: the kit's loaders; wrap them to observe). */
  loaders?: Partial<WorkshopLoaders>;
}

/**
 * The workshop's flagship run: MRPC validation → the FP32 model in ONNX Runtime → dynamic and
 * static INT8 post-training quantization (static tuned by the accuracy-driven tuner) → accuracy,
 * F1, agreement with FP32, latency and size of each → `report.json` and `report.html` (and each
 * INT8 model in hub layout beside them). The classifier is loaded and read once and the
 * validation split tokenized once; both are handed down to the quantization steps. The output
 * folder is checked before any work and built beside itself, then swapped in whole
 * (`writeDirAtomic`, lib/fs).
 *
 * @example
 * ```ts ignore
 * const { report, paths } = await runDemo({ modelId: "textattack/distilbert-base-uncased-MRPC" });
 * ```
 */
export async function runDemo(
  options: DemoOptions = {},
): Promise<{ report: DemoReport; paths: { json: string; html: string } }> {
  checkModelChoice(options);
  const outDir = await checkOutputDir(options.outDir ?? "out/demo");
  const started = new Date();
  const workshop = workshopSettings({
    ...(options.modelId ? { modelId: options.modelId } : {}),
    ...(options.quick !== undefined ? { quick: options.quick } : {}),
  });
  const settings = options.settings ?? hubSettings();
  const common = { revision: options.revision, settings, progress: options.progress };
  const quick = workshop.quick;
  const loaders = workshopLoaders(options.loaders);
  const fp32Model = await loadFp32Model({ modelId: workshop.modelId, ...common, loaders });
  const model = fp32Model.classifier;
  const data = await loaders.prepareMrpc("validation", {
    modelId: workshop.modelId,
    batchSize: 8,
    sortByLength: true,
    ...common,
  });
  const fp32 = await evaluateVariant({
    name: "fp32",
    path: model.path,
    batches: data.batches,
    vocabSize: model.config.vocabSize,
    latency: latencyProfile(workshop.quick),
    progress: options.progress,
    details: { source: model.source, revision: model.revision },
  });
  const report = new DemoReport({
    model: workshop.modelId,
    dataset: DEMO_DATASET,
    machine: await machineInfo(),
  }).add(fp32.result);
  const evaluations: Record<string, EvaluationResult> = { fp32: fp32.evaluation };
  /** Where each variant is while the run builds (the report names where it will be). */
  const builtPaths: Record<string, string> = { fp32: fp32.result.path! };
  await writeDirAtomic(outDir, async (tmp) => {
    for (const approach of ["dynamic", "static"] as const) {
      const int8 = await quantizeWorkshopModel({
        ...common,
        modelId: workshop.modelId,
        approach,
        quick: workshop.quick,
        outDir: join(tmp, `int8-${approach}`),
        tune: approach === "static",
        fp32: fp32Model,
        validation: data.batches,
        loaders,
      });
      if (int8.tuning) report.extra.tuner = int8.tuning.toJSON();
      const final = join(outDir, `int8-${approach}`);
      const evaluated = await evaluateVariant({
        name: `int8-${approach}`,
        path: int8.path,
        batches: data.batches,
        vocabSize: model.config.vocabSize,
        reference: fp32.evaluation,
        latency: latencyProfile(workshop.quick),
        progress: options.progress,
        details: { quantized: int8.report.counts, seconds: int8.seconds, dir: final },
      });
      report.add({ ...evaluated.result, path: join(final, relative(int8.dir, int8.path)) });
      if (approach === "static") {
        await explainStatic({
          report,
          fp32: fp32Model.model,
          path: int8.path,
          data,
          quick,
          vocabSize: model.config.vocabSize,
        });
      }
      evaluations[evaluated.result.name] = evaluated.evaluation;
      builtPaths[evaluated.result.name] = int8.path;
    }
    report.comparison = compareVariants({
      labels: fp32.evaluation.labels,
      numLabels: fp32.evaluation.numLabels,
      reference: { name: "fp32", logits: fp32.evaluation.logits },
      candidates: report.results.slice(1).map((r) => ({
        name: r.name,
        logits: evaluations[r.name].logits,
      })),
      texts: data.rows,
      seed: BOOTSTRAP_SEED,
    });
    const latency = await interleavedLatency({
      variants: report.results.map((r) => ({ name: r.name, path: builtPaths[r.name] })),
      vocabSize: model.config.vocabSize,
      measure: latencyProfile(workshop.quick),
    });
    for (const r of report.results) {
      const { b1, b8, speedup } = latency.find((l) => l.name === r.name)!;
      r.latency = { b1, b8, ...(speedup ? { speedup } : {}) };
    }
    report.run = {
      command: "deno task demo",
      model: workshop.modelId,
      revision: model.revision,
      profile: workshop.quick ? "quick (WORKSHOP_QUICK=1)" : "full",
      "bootstrap seed": BOOTSTRAP_SEED,
      "latency runs": "interleaved, batch 1 and 8 × sequence 128",
      started: started.toISOString(),
      "seconds": Math.round((Date.now() - started.getTime()) / 100) / 10,
    };
    await writeReport(report, {
      dir: tmp,
      sections: [...DEFAULT_REPORT_SECTIONS.slice(0, -1), ATLAS_SECTION, PROFILE_SECTION]
        .concat(DEFAULT_REPORT_SECTIONS.slice(-1)),
    });
  });
  return {
    report,
    paths: { json: join(outDir, "report.json"), html: join(outDir, "report.html") },
  };
}

/**
 * The static INT8 model's error atlas (on the first validation batches) and its kernel profile
 * against FP32 (batch 8 × 128 tokens; quick: 2 × 32; the sequence-length and thread sweep only in
 * the full profile), into `report.extra.atlas` and `report.extra.profile`.
 */
async function explainStatic(options: {
  report: DemoReport;
  fp32: Model;
  vocabSize: number;
  path: string;
  data: { batches: TokenBatch[] };
  quick: boolean;
}): Promise<void> {
  const { report, fp32, quick } = options;
  const variant = await readModel(options.path);
  const atlas = await errorAtlas({
    fp32,
    variant,
    name: "int8-static",
    inputs: options.data.batches,
    rows: quick ? 16 : 32,
  });
  report.extra.atlas = atlas.toJSON();
  const why = await whyFaster({
    reference: { name: "fp32", model: fp32 },
    candidate: { name: "int8-static", model: variant },
    vocabSize: options.vocabSize,
    ...(quick ? { batch: 2, seq: 32, runs: 2 } : { batch: 8, seq: 128, runs: 5 }),
    sweep: quick ? false : { measure: { warmup: 1, iterations: 3, minTimeMs: 0 } },
  });
  report.extra.profile = why.toJSON();
}
