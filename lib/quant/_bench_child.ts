/**
 * Child process of the quantization benchmark: quantizes an FP32 model dynamically and
 * statically (streaming calibration on synthetic token batches) and writes the INT8 models,
 * printing `{ dynamicSeconds, calibrationSeconds, staticSeconds, peakRssBytes, … }` as JSON so
 * the static quantization's memory is measured on its own.
 * Usage: `deno run -A lib/quant/_bench_child.ts <request JSON>`.
 *
 * @module
 */
import { readModel, writeModel } from "../onnx/mod.ts";
import { residentMemory } from "../bench/mod.ts";
import { syntheticBatch, type TokenBatch } from "../runtime/mod.ts";
import { calibrate } from "./calibrate.ts";
import { quantizeDynamic } from "./dynamic.ts";
import type { QuantFormat } from "./options.ts";
import { quantizeStatic } from "./static.ts";

/** What the parent asks for. */
export interface BenchChildRequest {
  fp32Path: string;
  vocabSize: number;
  samples: number;
  seq: number;
  intraOpThreads: number;
  /** Output path per variant. */
  dynamicPath: string;
  staticPaths: Partial<Record<QuantFormat, string>>;
}

/** What the child prints. */
export interface BenchChildResult {
  dynamicSeconds: number;
  /** Reading the FP32 model, calibrating, quantizing (first format) and writing it. */
  staticSeconds: number;
  calibrationSeconds: number;
  calibrationBatches: number;
  peakRssBytes: number;
}

/** Batches of 8 random token sequences of length `seq`, `samples` rows in all. */
export function* calibrationBatches(
  options: { samples: number; seq: number; vocabSize: number },
): Generator<TokenBatch> {
  for (let done = 0, i = 0; done < options.samples; done += 8, i++) {
    yield syntheticBatch({
      size: Math.min(8, options.samples - done),
      seqLen: options.seq,
      vocabSize: options.vocabSize,
      seed: 1000 + i,
    });
  }
}

if (import.meta.main) {
  const request = JSON.parse(Deno.args[0]) as BenchChildRequest;
  const started = performance.now();
  const model = await readModel(request.fp32Path);
  const calibration = await calibrate(model, calibrationBatches(request), {
    size: request.samples,
    progress: false,
    session: { intraOpThreads: request.intraOpThreads },
  });
  const formats = Object.keys(request.staticPaths) as QuantFormat[];
  let staticSeconds = 0;
  for (const [i, format] of formats.entries()) {
    const { model: quantized } = quantizeStatic(model, calibration, { format });
    await writeModel(request.staticPaths[format]!, quantized);
    if (i === 0) staticSeconds = (performance.now() - started) / 1000;
  }
  const peakRssBytes = residentMemory().peak;
  const dynamicStart = performance.now();
  await writeModel(request.dynamicPath, quantizeDynamic(model).model);
  const result: BenchChildResult = {
    dynamicSeconds: (performance.now() - dynamicStart) / 1000,
    staticSeconds,
    calibrationSeconds: calibration.seconds,
    calibrationBatches: calibration.batches,
    peakRssBytes,
  };
  console.log(JSON.stringify(result));
}
