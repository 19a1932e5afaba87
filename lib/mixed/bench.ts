/**
 * Latency of FP32 vs FP16 vs BF16 variants of one model on this CPU, with ONNX Runtime's CPU
 * provider. The numbers are what they are: on a CPU provider without FP16/BF16 kernels, the
 * lower-precision variants pay for their Casts.
 *
 * On a shared machine, load changes within seconds, so by default the variants are timed
 * interleaved (one run of each in turn, same feeds as `lib/bench`'s `benchModel`) and every
 * variant sees the same conditions; `interleave: false` times them one after the other with
 * `benchModel` itself.
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  below,
  benchInterleaved,
  benchModel,
  type BenchRow,
  type BenchSuite,
  type Measurement,
  type MeasureOptions,
} from "../bench/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { type Model, readModel, writeModel } from "../onnx/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import { convertToMixedPrecision } from "./convert.ts";
import type { MixedPrecisionOptions, PrecisionTarget } from "./options.ts";
import type { MixedPrecisionReport } from "./precision_report.ts";

/** The interleaved timing this benchmark uses by default lives in `lib/bench`. */
export { benchInterleaved, type InterleaveOptions } from "../bench/mod.ts";

/** A variant of the mixed-precision benchmark. */
export type MixedVariant = "fp32" | PrecisionTarget;

/** A latency row of one variant (a `BenchRow` whose variant is fp32, fp16 or bf16). */
export interface MixedBenchRow extends BenchRow {
  variant: MixedVariant;
}

/** Options of {@link mixedBenchRows}. */
export interface MixedBenchOptions {
  /** The FP32 model (.onnx path or in-memory); default full-size random DistilBERT (seed 0). */
  source?: string | Model;
  /** Name of the model in the rows (default `"distilbert-base (random)"`). */
  model?: string;
  /** Vocabulary size for the random token ids (default DistilBERT-base's 30,522). */
  vocabSize?: number;
  /** Variants to measure (default fp32, fp16, bf16). */
  variants?: MixedVariant[];
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  /** Folder for the converted models (default: a temporary folder, removed afterwards). */
  dir?: string;
  /** Converter options besides the target. */
  convert?: Omit<MixedPrecisionOptions, "target">;
  session?: SessionOptions;
  /** Warm-up runs, timed runs and minimum time per variant and batch size (`lib/bench`'s). */
  measure?: MeasureOptions;
  /** Time the variants in turn, run by run (default true), or one after the other. */
  interleave?: boolean;
}

/** What {@link mixedBench} measured. */
export interface MixedBenchResult {
  rows: MixedBenchRow[];
  /** Conversion report per lower-precision variant. */
  reports: Partial<Record<PrecisionTarget, MixedPrecisionReport>>;
  /** Seconds each conversion took (in memory, without writing). */
  convertSeconds: Partial<Record<PrecisionTarget, number>>;
}

/**
 * Converts the model to each lower-precision variant, writes it, and benchmarks every variant;
 * returns the latency rows, the conversion reports and the conversion times.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { mixedBench } from "./bench.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const { rows, reports } = await mixedBench({
 *   source: buildDistilBert(config, { seed: 0 }),
 *   model: "tiny",
 *   vocabSize: 1100,
 *   batches: [1],
 *   seq: 16,
 *   measure: { warmup: 0, iterations: 2 },
 *   convert: { onWarning: () => {} },
 * });
 * assert.deepEqual(rows.map((r) => r.variant), ["fp32", "fp16", "bf16"]);
 * assert.ok(rows[1].sizeBytes < rows[0].sizeBytes);
 * assert.equal(reports.bf16!.target, "bf16");
 * ```
 */
export async function mixedBench(options: MixedBenchOptions = {}): Promise<MixedBenchResult> {
  const variants = options.variants ?? ["fp32", "fp16", "bf16"];
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), "mixed-bench-"));
  const result: MixedBenchResult = { rows: [], reports: {}, convertSeconds: {} };
  try {
    const fp32 = typeof options.source === "string"
      ? await readModel(options.source)
      : options.source ?? buildDistilBert(DISTILBERT_BASE, { seed: 0 });
    const fp32Path = typeof options.source === "string"
      ? options.source
      : (await writeModel(join(dir, "fp32", "model.onnx"), fp32)).path;
    const paths: { variant: MixedVariant; path: string }[] = [];
    for (const variant of variants) {
      let path = fp32Path;
      if (variant !== "fp32") {
        const started = performance.now();
        const { model, report } = convertToMixedPrecision(fp32, {
          ...options.convert,
          target: variant,
        });
        result.convertSeconds[variant] = (performance.now() - started) / 1000;
        result.reports[variant] = report;
        path = (await writeModel(join(dir, variant, "model.onnx"), model)).path;
      }
      paths.push({ variant, path });
    }
    const common = {
      model: options.model ?? "distilbert-base (random)",
      vocabSize: options.vocabSize ?? DISTILBERT_BASE.vocabSize,
      batches: options.batches ?? [1, 8],
      seq: options.seq ?? 128,
      session: options.session,
      measure: options.measure,
    };
    if (options.interleave ?? true) {
      result.rows.push(...await benchInterleaved(paths, common));
    } else {
      for (const { variant, path } of paths) {
        const rows = await benchModel({ ...common, variant, path });
        result.rows.push(...rows.map((r) => ({ ...r, variant })));
      }
    }
  } finally {
    if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
  }
  return result;
}

/**
 * Latency rows `{model, variant, batch, seq, medianMs, p90Ms, sizeBytes, …}` of the FP32, FP16
 * and BF16 variants (default: full-size random DistilBERT at batch 1 and 8 × sequence 128).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { mixedBenchRows } from "./bench.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const rows = await mixedBenchRows({
 *   source: buildDistilBert(config, { seed: 0 }),
 *   vocabSize: 1100,
 *   variants: ["fp32", "fp16"],
 *   batches: [1],
 *   seq: 16,
 *   measure: { warmup: 0, iterations: 2 },
 * });
 * assert.deepEqual(rows.map((r) => [r.variant, r.batch, r.seq]), [["fp32", 1, 16], ["fp16", 1, 16]]);
 * assert.ok(rows.every((r) => r.medianMs > 0 && r.p90Ms >= r.medianMs));
 * ```
 */
export async function mixedBenchRows(options: MixedBenchOptions = {}): Promise<MixedBenchRow[]> {
  return (await mixedBench(options)).rows;
}

/**
 * The `deno task bench` suite: FP32/FP16/BF16 of full-size random DistilBERT at batch 1 and 8 ×
 * 128, plus the conversion time of each variant (goal: under 10 s on full size).
 */
export const mixedPrecisionSuite: BenchSuite = {
  name: "mixed",
  description: "FP16 and BF16 mixed precision of full-size DistilBERT vs FP32 in ONNX Runtime",
  async run(context) {
    const result = await mixedBench({
      source: context.baseModelPath,
      dir: join(context.outDir, "models", "distilbert-base-random-mixed"),
      measure: context.quick ? { warmup: 1, iterations: 5, minTimeMs: 0 } : undefined,
      convert: { onWarning: (message) => console.error(`mixed: ${message}`) },
    });
    const measurements: Measurement[] = Object.entries(result.convertSeconds).map((
      [target, seconds],
    ) => below(`convert full-size DistilBERT to ${target}: time`, seconds, "s", 10));
    return { rows: result.rows, measurements };
  },
};
