import { type HubSettings, hubSettings } from "../hub/mod.ts";
import { machineInfo } from "../bench/mod.ts";
import { DEMO_DATASET, evaluateVariant, latencyProfile } from "../eval/mod.ts";
import { DemoReport, writeReport } from "../report/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { quantizeWorkshopModel } from "./quantize_workshop_model.ts";
import { loadFp32Model, type WorkshopLoaders, workshopLoaders } from "./loaders.ts";
import { workshopManifest } from "./workshop_manifest.ts";
import { join, resolve } from "node:path";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Hub model id (default: `WORKSHOP_MODEL`, else the real DistilBERT-MRPC). */
  modelId?: string;
  revision?: string;
  /** Where `report.json` and `report.html` go (default `out/demo`). */
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
 * validation split tokenized once; both are handed down to the quantization steps.
 *
 * @example
 * ```ts ignore
 * const { report, paths } = await runDemo({ modelId: "textattack/distilbert-base-uncased-MRPC" });
 * ```
 */
export async function runDemo(
  options: DemoOptions = {},
): Promise<{ report: DemoReport; paths: { json: string; html: string } }> {
  const workshop = workshopSettings({
    ...(options.modelId ? { modelId: options.modelId } : {}),
    ...(options.quick !== undefined ? { quick: options.quick } : {}),
  });
  const settings = options.settings ?? hubSettings();
  const common = { revision: options.revision, settings, progress: options.progress };
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
  const outDir = resolve(options.outDir ?? "out/demo");
  for (const approach of ["dynamic", "static"] as const) {
    const int8 = await quantizeWorkshopModel({
      ...common,
      modelId: workshop.modelId,
      approach,
      quick: workshop.quick,
      outDir: join(outDir, `int8-${approach}`),
      tune: approach === "static",
      fp32: fp32Model,
      validation: data.batches,
      loaders,
    });
    if (int8.tuning) report.extra.tuner = int8.tuning.toJSON();
    const evaluated = await evaluateVariant({
      name: `int8-${approach}`,
      path: int8.path,
      batches: data.batches,
      vocabSize: model.config.vocabSize,
      reference: fp32.evaluation,
      latency: latencyProfile(workshop.quick),
      progress: options.progress,
      details: { quantized: int8.report.counts, seconds: int8.seconds, dir: int8.dir },
    });
    report.add(evaluated.result);
  }
  report.extra.manifest = await workshopManifest({
    task: "demo",
    config: { modelId: workshop.modelId, revision: options.revision, quick: workshop.quick },
    seeds: { tune: 0 },
    modelId: workshop.modelId,
    revision: options.revision,
    modelPath: model.path,
    splits: ["validation", "train"],
    settings,
  });
  const paths = await writeReport(report, { dir: outDir });
  return { report, paths };
}
