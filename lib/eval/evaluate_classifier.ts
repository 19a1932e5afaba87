import type * as ort from "onnxruntime-node";
import { batchFeeds, type ModelSession, type TokenBatch } from "../runtime/mod.ts";
import { type LatencyStats, latencyStats, scaleStats } from "../bench/stats.ts";
import { residentMemory } from "../bench/memory.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { argmaxRows, type ClassificationMetrics, classificationMetrics } from "./metrics.ts";

/** A padded batch with the dataset rows it holds and their labels. */
export interface LabelledBatch extends TokenBatch {
  /** Positions of the batch's rows in the dataset. */
  indices: number[];
  labels: number[];
}

/** What one evaluation pass over a dataset found. */
export interface EvaluationResult {
  metrics: ClassificationMetrics;
  /** `[rows, numLabels]` logits in dataset order. */
  logits: Float32Array;
  predictions: Int32Array;
  labels: Int32Array;
  numLabels: number;
  /** Time per `session.run` call. */
  batchLatency: LatencyStats;
  /** `batchLatency` divided by the batch size (for equal-size batches). */
  sampleLatency: LatencyStats;
  /** Rows per second over the whole pass. */
  throughput: number;
  seconds: number;
  /** Peak resident memory of this process after the pass, in bytes. */
  peakRssBytes: number;
}

/** Options of {@link evaluateClassifier}. */
export interface EvaluateOptions {
  /** Name of the logits output (default: the model's first output). */
  outputName?: string;
  /** Show a progress bar (default true). */
  progress?: ProgressOption;
  /** Label shown beside the progress bar. */
  label?: string;
}

/**
 * Runs a sequence classifier over labelled batches and scores it: accuracy, F1, confusion matrix,
 * the logits (to compare a compressed model with its FP32 reference) and latency.
 *
 * @example
 * ```ts ignore
 * const result = await evaluateClassifier(model, batches);
 * console.log(result.metrics.accuracy, result.batchLatency.medianMs);
 * ```
 */
export async function evaluateClassifier(
  model: ModelSession,
  batches: readonly LabelledBatch[],
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const rows = batches.reduce((n, b) => Math.max(n, ...b.indices.map((i) => i + 1)), 0);
  const outputName = options.outputName ?? model.outputNames[0];
  const progress = progressReporter(options.progress, {
    label: options.label ?? "evaluate",
    total: batches.length,
    unit: "batches",
  });
  const times: number[] = [];
  let logits: Float32Array | undefined;
  let numLabels = 0;
  const labels = new Int32Array(rows).fill(-1);
  const started = performance.now();
  try {
    for (const batch of batches) {
      const feeds = batchFeeds({ batch, inputNames: model.inputNames });
      const t0 = performance.now();
      const out = await model.session.run(feeds);
      times.push(performance.now() - t0);
      const tensor = out[outputName] as ort.Tensor;
      numLabels = Number(tensor.dims[1]);
      logits ??= new Float32Array(rows * numLabels);
      const values = tensor.data as Float32Array;
      batch.indices.forEach((row, i) => {
        logits!.set(values.subarray(i * numLabels, (i + 1) * numLabels), row * numLabels);
        labels[row] = batch.labels[i];
      });
      progress.tick(1);
    }
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  const all = logits ?? new Float32Array(0);
  const predictions = argmaxRows(all, Math.max(numLabels, 1));
  const batchLatency = latencyStats(times);
  const meanSize = rows / Math.max(batches.length, 1);
  return {
    metrics: classificationMetrics({ predictions, labels, numLabels: Math.max(numLabels, 2) }),
    logits: all,
    predictions,
    labels,
    numLabels,
    batchLatency,
    sampleLatency: scaleStats(batchLatency, meanSize),
    throughput: rows / seconds,
    seconds,
    peakRssBytes: residentMemory().peak,
  };
}
