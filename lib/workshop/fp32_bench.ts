import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdir } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic.ts";
import {
  DISTILBERT_BASE,
  loadClassifier,
  randomDistilBertWeights,
  serializeSafetensors,
  toHubConfigJson,
} from "../model/mod.ts";
import { prepareMrpc } from "../data/mod.ts";
import { createSession } from "../runtime/mod.ts";
import { evaluateClassifier } from "../eval/mod.ts";
import {
  below,
  benchModel,
  type BenchRow,
  type BenchSuite,
  type Measurement,
} from "../bench/mod.ts";

/**
 * The FP32 baseline: full-size DistilBERT-base (random weights) and the workshop model in ORT at
 * batch 1 and 8 × sequence 128; the export of a full-size safetensors checkpoint (time and peak
 * memory, in a child process); and one evaluation pass over MRPC validation.
 */
export const fp32Suite: BenchSuite = {
  name: "fp32",
  description: "FP32 DistilBERT in ONNX Runtime, the export, and an MRPC evaluation pass",
  async run(context) {
    const measure = context.quick ? { warmup: 1, iterations: 5, minTimeMs: 0 } : undefined;
    const rows: BenchRow[] = await benchModel({
      model: "distilbert-base (random)",
      variant: "fp32",
      path: context.baseModelPath,
      vocabSize: DISTILBERT_BASE.vocabSize,
      measure,
    });
    const measurements: Measurement[] = [...await exportMeasurements(context)];
    try {
      const model = await loadClassifier(context.modelId, { progress: false });
      rows.push(
        ...await benchModel({
          model: context.modelId,
          variant: "fp32",
          path: model.path,
          vocabSize: model.config.vocabSize,
          measure,
        }),
      );
      measurements.push(await evaluationMeasurement(context.modelId, model.path));
    } catch (error) {
      console.error(`fp32: skipped ${context.modelId}: ${(error as Error).message}`);
    }
    return { rows, measurements };
  },
};

async function exportMeasurements(context: { outDir: string }): Promise<Measurement[]> {
  const dir = join(context.outDir, "models", "distilbert-base-safetensors");
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, "config.json");
  const weightsPath = join(dir, "model.safetensors");
  await writeFileAtomic(configPath, JSON.stringify(toHubConfigJson(DISTILBERT_BASE), null, 2));
  await writeFileAtomic(
    weightsPath,
    serializeSafetensors(randomDistilBertWeights(DISTILBERT_BASE, { seed: 0 })),
  );
  const script = fileURLToPath(new URL("../cli/bench_export.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, configPath, weightsPath, join(dir, "model.onnx")],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("the export child process failed (see its output above)");
  const { seconds, peakRssBytes } = JSON.parse(new TextDecoder().decode(out.stdout));
  return [
    below("export full-size DistilBERT from safetensors: time", seconds, "s", 20),
    below("export full-size DistilBERT from safetensors: peak RSS", peakRssBytes / 1e9, "GB", 2),
  ];
}

async function evaluationMeasurement(modelId: string, path: string): Promise<Measurement> {
  const started = performance.now();
  const data = await prepareMrpc("validation", {
    modelId,
    batchSize: 8,
    sortByLength: true,
    progress: false,
  });
  const model = await createSession(path);
  await evaluateClassifier(model, data.batches, { progress: false });
  await model.session.release();
  const seconds = (performance.now() - started) / 1000;
  return below(
    `evaluate all ${data.rows.length} MRPC validation pairs with ${modelId}`,
    seconds,
    "s",
    10,
  );
}
