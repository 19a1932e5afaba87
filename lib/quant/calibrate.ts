/**
 * Streaming calibration: run the FP32 model on calibration data in ONNX Runtime, batch by batch,
 * with the activations static quantization needs added as extra graph outputs of a copy of the
 * model, and reduce each output into a running min/max and a fixed-size histogram at once. Memory
 * does not grow with the number of batches, and batches may have any sequence length.
 *
 * @module
 */

import { cloneModel, DataType, encodeModel, type Model } from "../onnx/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { CalibrationError, calibrationFeeds, type CalibrationInput } from "./calibration_feeds.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { DEFAULT_NUM_BINS, type HistogramSnapshot, StreamingHistogram } from "./histogram.ts";
import { type QuantOptions, resolveQuantOptions } from "./options.ts";
import type { MinMax } from "./params.ts";
import { calibrationTargets } from "./quant_pass.ts";
import {
  type CalibrationMethod,
  DEFAULT_PERCENTILE,
  DEFAULT_QUANTIZED_BINS,
  rangeFromHistogram,
  type RangeMethodOptions,
} from "./range_methods.ts";

/** Calibration data: batches, read once, lazily (a generator keeps memory flat). */
export type CalibrationReader = Iterable<CalibrationInput> | AsyncIterable<CalibrationInput>;

/** Options of {@link calibrate}. */
export interface CalibrateOptions
  extends
    RangeMethodOptions,
    Pick<QuantOptions, "opTypes" | "quantizeActivationMatMuls" | "registry"> {
  /** Activations to record (default: what `quantizeStatic` needs with these opTypes). */
  tensors?: readonly string[];
  /** Stop after this many samples (rows); the last batch is cut to fit. Default: all. */
  size?: number;
  /** Histogram bins per tensor, a multiple of 4 (default 2048). */
  numBins?: number;
  /** How ONNX Runtime runs the FP32 model (threads, optimization level). */
  session?: SessionOptions;
  /** Progress per batch (see `lib/progress`); default on. */
  progress?: ProgressOption;
}

/** What calibration saw of one activation. */
export interface TensorStatistics {
  min: number;
  max: number;
  /** Values seen. */
  count: number;
  histogram: HistogramSnapshot;
}

/** The result of {@link calibrate}: ranges for `quantizeStatic`, and what they came from. */
export interface CalibrationResult {
  method: CalibrationMethod;
  percentile: number;
  numQuantizedBins: number;
  symmetric: boolean;
  /** Activation name → range chosen by `method`. */
  ranges: Record<string, MinMax>;
  /** Activation name → min, max and histogram (to plot, or to try another method). */
  statistics: Record<string, TensorStatistics>;
  /** Samples (rows) and batches used. */
  samples: number;
  batches: number;
  seconds: number;
}

/**
 * Runs `model` on the calibration batches of `reader` and returns every needed activation's
 * range (by `options.method`) plus its statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as ort from "onnxruntime-node";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { calibrate } from "./calibrate.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const h = b.op("Relu", [x]);
 * const w = b.initializer("w", DataType.FLOAT, [2, 2], [1, 0, 0, 1]);
 * b.output(b.op("MatMul", [h, w]), DataType.FLOAT, ["n", 2], { rename: "y" });
 * const batches = [[-1, 2], [3, -4]].map((row) => ({ x: new ort.Tensor("float32", Float32Array.from(row), [1, 2]) }));
 * const result = await calibrate(createModel(b.build()), batches, { progress: false });
 * assert.deepEqual(Object.keys(result.ranges), [h]);
 * assert.deepEqual(result.ranges[h], { min: 0, max: 3 });
 * assert.equal(result.samples, 2);
 * ```
 */
export async function calibrate(
  model: Model,
  reader: CalibrationReader,
  options: CalibrateOptions = {},
): Promise<CalibrationResult> {
  const started = performance.now();
  const tensors = options.tensors ? [...options.tensors] : calibrationTargets(
    model,
    resolveQuantOptions("static", {
      opTypes: options.opTypes,
      quantizeActivationMatMuls: options.quantizeActivationMatMuls,
    }),
    options.registry,
  );
  const inputs = new Set(model.graph.inputs.map((i) => i.name));
  const fetched = tensors.filter((t) => !inputs.has(t));
  const histograms = new Map(
    tensors.map((
      t,
    ) => [t, new StreamingHistogram({ numBins: options.numBins ?? DEFAULT_NUM_BINS })]),
  );
  const session = await createSession(encodeModel(withOutputs(model, fetched)), options.session);
  const progress = progressReporter(options.progress, {
    label: "calibrate",
    total: options.size,
    unit: "samples",
  });
  let samples = 0;
  let batches = 0;
  try {
    for await (const input of reader) {
      const remaining = options.size === undefined ? Infinity : options.size - samples;
      if (remaining <= 0) break;
      const feeds = calibrationFeeds(input, session.inputNames, { limit: remaining });
      const rows = Number(Object.values(feeds)[0]?.dims[0] ?? 1);
      const outputs = fetched.length > 0 ? await session.session.run(feeds, fetched) : {};
      for (const [name, histogram] of histograms) {
        const tensor = outputs[name] ?? feeds[name];
        if (!tensor || tensor.type !== "float32") {
          throw new CalibrationError(
            `calibration tensor "${name}" is ${tensor ? tensor.type : "missing"}, not float32; ` +
              "only float32 activations are quantized: drop it from options.tensors.",
          );
        }
        histogram.add(tensor.data as Float32Array);
      }
      samples += rows;
      batches++;
      progress.tick(rows);
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  } finally {
    await session.session.release();
  }
  progress.done();
  if (batches === 0) {
    throw new CalibrationError(
      "the calibration reader gave no batches; pass some (e.g. MRPC train batches from prepareMrpc).",
    );
  }
  const statistics: Record<string, TensorStatistics> = {};
  for (const [name, histogram] of histograms) {
    const snapshot = histogram.snapshot();
    statistics[name] = {
      min: snapshot.min,
      max: snapshot.max,
      count: snapshot.count,
      histogram: snapshot,
    };
  }
  return recalibrate({
    method: "minmax",
    percentile: DEFAULT_PERCENTILE,
    numQuantizedBins: DEFAULT_QUANTIZED_BINS,
    symmetric: false,
    ranges: {},
    statistics,
    samples,
    batches,
    seconds: (performance.now() - started) / 1000,
  }, options);
}

/**
 * The same calibration with ranges chosen by another method (from the stored histograms, without
 * running the model again): what a tuner tries as recipe variants.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamingHistogram } from "./histogram.ts";
 * import { recalibrate, type CalibrationResult } from "./calibrate.ts";
 * const h = new StreamingHistogram();
 * h.add(Float32Array.from({ length: 1000 }, (_, i) => (i % 10) / 10).fill(50, 0, 1));
 * const s = h.snapshot();
 * const base: CalibrationResult = {
 *   method: "minmax", percentile: 99.999, numQuantizedBins: 128, symmetric: false,
 *   ranges: { x: { min: s.min, max: s.max } },
 *   statistics: { x: { min: s.min, max: s.max, count: s.count, histogram: s } },
 *   samples: 1, batches: 1, seconds: 0,
 * };
 * const p = recalibrate(base, { method: "percentile", percentile: 99 });
 * assert.ok(p.ranges.x.max < 1, `${p.ranges.x.max}`);
 * assert.equal(base.ranges.x.max, 50);
 * ```
 */
export function recalibrate(
  result: CalibrationResult,
  options: RangeMethodOptions,
): CalibrationResult {
  const method = options.method ?? "minmax";
  const percentile = options.percentile ?? DEFAULT_PERCENTILE;
  const numQuantizedBins = options.numQuantizedBins ?? DEFAULT_QUANTIZED_BINS;
  const symmetric = options.symmetric ?? false;
  const ranges: Record<string, MinMax> = {};
  for (const [name, stats] of Object.entries(result.statistics)) {
    ranges[name] = rangeFromHistogram(stats.histogram, {
      method,
      percentile,
      numQuantizedBins,
      symmetric,
    });
  }
  return { ...result, method, percentile, numQuantizedBins, symmetric, ranges };
}

/** A copy of `model` (sharing weights) that also outputs `tensors`. */
function withOutputs(model: Model, tensors: readonly string[]): Model {
  const copy = cloneModel(model, { shareTensorData: true });
  const outputs = new Set(copy.graph.outputs.map((o) => o.name));
  for (const name of tensors) {
    if (!outputs.has(name)) copy.graph.outputs.push({ name, elemType: DataType.FLOAT });
  }
  return copy;
}
