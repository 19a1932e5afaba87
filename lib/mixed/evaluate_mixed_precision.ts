/**
 * FP32 vs FP16 vs BF16 of a hub classifier on MRPC validation: accuracy, F1, agreement with FP32,
 * largest logit change, latency and size, side by side in a `DemoReport`.
 *
 * @module
 */

import { join } from "node:path";
import { machineInfo, type MeasureOptions } from "../bench/mod.ts";
import { prepareMrpc } from "../data/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import { loadClassifier, type LoadedClassifier } from "../model/mod.ts";
import { readModel, writeModel } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { DemoReport } from "../report/mod.ts";
import { DEMO_DATASET, type EvaluatedVariant, evaluateVariant } from "../eval/mod.ts";
import { benchInterleaved } from "./bench.ts";
import { convertToMixedPrecision } from "./convert.ts";
import type { MixedPrecisionOptions, PrecisionTarget } from "./options.ts";
import type { MixedPrecisionReport } from "./precision_report.ts";

/** Options of {@link evaluateMixedPrecision}. */
export interface MixedEvaluationOptions {
  /** Hub id of the FP32 classifier. */
  modelId: string;
  revision?: string;
  settings?: HubSettings;
  /** Lower-precision variants (default fp16 then bf16). */
  targets?: PrecisionTarget[];
  /** Converter options besides the target. */
  convert?: Omit<MixedPrecisionOptions, "target">;
  /** Folder for the converted models (default `out/mixed/<model id>`). */
  outDir?: string;
  /** Evaluate only the first `limit` validation pairs. */
  limit?: number;
  /**
   * How long to time batch 1 and 8 × 128 (default `lib/bench`'s). The variants are timed
   * interleaved, run by run, after the evaluation, so each sees the same machine load.
   */
  latency?: MeasureOptions;
  progress?: ProgressOption;
}

/** One lower-precision variant: its file, its conversion report, its evaluation. */
export interface MixedVariantEvaluation {
  target: PrecisionTarget;
  path: string;
  conversion: MixedPrecisionReport;
  evaluated: EvaluatedVariant;
}

/** What {@link evaluateMixedPrecision} found. */
export interface MixedEvaluation {
  classifier: LoadedClassifier;
  fp32: EvaluatedVariant;
  variants: MixedVariantEvaluation[];
  /** FP32 and each variant side by side (table and figure in notebooks). */
  report: DemoReport;
}

/**
 * Loads the classifier, converts it to each target, and evaluates FP32 and every variant on MRPC
 * validation (variants are compared with FP32's logits) and at batch 1 / 8 × 128.
 */
export async function evaluateMixedPrecision(
  options: MixedEvaluationOptions,
): Promise<MixedEvaluation> {
  const common = { revision: options.revision, settings: options.settings };
  const classifier = await loadClassifier(options.modelId, {
    ...common,
    progress: options.progress,
  });
  const data = await prepareMrpc("validation", {
    modelId: options.modelId,
    batchSize: 8,
    sortByLength: true,
    limit: options.limit,
    ...common,
    progress: options.progress,
  });
  const base = {
    batches: data.batches,
    vocabSize: classifier.config.vocabSize,
    // evaluateVariant times each variant alone; the interleaved timing below replaces it.
    latency: { warmup: 0, iterations: 1, minTimeMs: 0 },
    progress: options.progress,
  };
  const fp32 = await evaluateVariant({ ...base, name: "fp32", path: classifier.path });
  const report = new DemoReport({
    model: options.modelId,
    dataset: DEMO_DATASET,
    machine: await machineInfo(),
  }).add(fp32.result);
  const fp32Model = await readModel(classifier.path);
  const outDir = options.outDir ?? join("out", "mixed", options.modelId.replaceAll("/", "--"));
  const variants: MixedVariantEvaluation[] = [];
  for (const target of options.targets ?? ["fp16", "bf16"]) {
    const { model, report: conversion } = convertToMixedPrecision(fp32Model, {
      ...options.convert,
      target,
    });
    const { path } = await writeModel(join(outDir, target, "model.onnx"), model);
    const evaluated = await evaluateVariant({
      ...base,
      name: target,
      path,
      reference: fp32.evaluation,
      details: { conversion: conversion.precisionCounts(), casts: conversion.casts.final },
    });
    report.add(evaluated.result);
    variants.push({ target, path, conversion, evaluated });
  }
  const rows = await benchInterleaved([
    { variant: "fp32", path: classifier.path },
    ...variants.map((v) => ({ variant: v.target, path: v.path })),
  ], { model: options.modelId, vocabSize: classifier.config.vocabSize, measure: options.latency });
  for (const result of report.results) {
    const at = (batch: number) =>
      rows.find((r) => r.variant === result.name && r.batch === batch)!.medianMs;
    result.latencyMs = { b1: at(1), b8: at(8) };
    result.details = { ...result.details, latency: "interleaved with the other variants" };
  }
  return { classifier, fp32, variants, report };
}
