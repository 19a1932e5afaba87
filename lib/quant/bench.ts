/**
 * The quantization benchmark of `deno task bench`: full-size DistilBERT-base (random weights)
 * FP32 vs dynamic INT8 vs static INT8 (QDQ and QOperator) in ONNX Runtime, measured
 * interleaved in one process — every round runs each model once, in turn — so a busy machine
 * slows all variants alike and the speedups stay comparable; plus the time and peak memory of
 * static quantization (100 calibration samples) in a child process; plus weight-only variants
 * (`q4` = `MatMulNBits` 4-bit block 32 with 4-bit embeddings by default; `deno task bench` adds
 * `q4f16`), made in this process, with their size and b1/b8 latency ratios to FP32.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdir } from "node:fs/promises";
import {
  below,
  type BenchSuite,
  interleavedVariantRows,
  type Measurement,
  type PairedBenchRow,
  type SuiteResult,
  type VariantBenchOptions,
} from "../bench/mod.ts";
import { DISTILBERT_BASE } from "../model/mod.ts";
import { type Model, readModel, writeModel } from "../onnx/mod.ts";
import type { BenchChildRequest, BenchChildResult } from "./_bench_child.ts";
import { quantizeWeightOnly } from "./weight_only.ts";

/** A weight-only variant of the quantization benchmark: its name and how it is made. */
export interface WeightOnlyBenchVariant {
  /** Variant name in the rows (`q4`, `q4f16`). */
  name: string;
  /** Makes the variant from the FP32 model (which it must not change). */
  build(fp32: Model): Model;
}

/** The default weight-only variant: transformers.js's `q4` (4-bit block 32, 4-bit embeddings). */
export const Q4_BENCH_VARIANT: WeightOnlyBenchVariant = {
  name: "q4",
  build: (fp32) => quantizeWeightOnly(fp32, { bits: 4, blockSize: 32, embeddings: "q4" }).model,
};

/**
 * `q4` with `accuracy_level` 4: ORT quantizes the activations to int8 per block at run time and
 * multiplies in integers. On the 2-core AVX2 EPYC (shared, quick profile) it was 1.25× FP32 at
 * batch 1 in one run (level 0: 0.92×) and 0.97× in the next (level 0: 1.07×): compare it here.
 */
export const Q4_INT8_COMPUTE_BENCH_VARIANT: WeightOnlyBenchVariant = {
  name: "q4-acc4",
  build: (fp32) =>
    quantizeWeightOnly(fp32, { bits: 4, blockSize: 32, embeddings: "q4", accuracyLevel: 4 })
      .model,
};

/** A latency row with the speedup over FP32 measured in the same rounds (FP32 is the reference). */
export type QuantBenchRow = PairedBenchRow;

/** Options of {@link quantBenchRows}. */
export interface QuantBenchOptions extends VariantBenchOptions {
  /** The FP32 `.onnx` file (full-size DistilBERT-base with random weights in `deno task bench`). */
  fp32Path: string;
  /** Folder for the INT8 models. */
  outDir: string;
  /** Vocabulary size for random token ids (default DistilBERT's 30522). */
  vocabSize?: number;
  /** Interleaved timed rounds per batch size (default 60 at batch 1, 20 above; quick: 5 and 3). */
  rounds?: (batch: number) => number;
  /** Calibration samples of static quantization (default 100). */
  calibrationSamples?: number;
  /** Weight-only variants (default [{@link Q4_BENCH_VARIANT}]). */
  weightOnly?: readonly WeightOnlyBenchVariant[];
}

/** Variant name → model file. */
interface Variant {
  name: string;
  path: string;
}

/**
 * Quantizes the FP32 model (dynamic, static QDQ, static QOperator; in a child process that
 * reports time and peak RSS), then measures all variants interleaved and returns latency rows
 * (`variant` `fp32`, `int8-dynamic`, `int8-static` = QDQ, `int8-static-qoperator`) with
 * speedups, and measurements (quantization time and memory, size ratio, speedups against the
 * issue's targets). Timings on a shared machine are noisy: compare the speedups, not the times.
 *
 * @example
 * ```ts ignore
 * const { rows, measurements } = await quantBenchRows({
 *   fp32Path: "out/bench/models/distilbert-base-random/model.onnx",
 *   outDir: "out/bench/models",
 * });
 * ```
 */
export async function quantBenchRows(options: QuantBenchOptions): Promise<SuiteResult> {
  const vocabSize = options.vocabSize ?? DISTILBERT_BASE.vocabSize;
  const seq = options.seq ?? 128;
  const threads = options.intraOpThreads ?? 2;
  const dir = join(options.outDir, "distilbert-base-random-int8");
  await mkdir(dir, { recursive: true });
  const variants: Variant[] = [
    { name: "fp32", path: options.fp32Path },
    { name: "int8-dynamic", path: join(dir, "model_dynamic.onnx") },
    { name: "int8-static", path: join(dir, "model_static_qdq.onnx") },
    { name: "int8-static-qoperator", path: join(dir, "model_static_qoperator.onnx") },
  ];
  const child = await quantizeInChild({
    fp32Path: options.fp32Path,
    vocabSize,
    samples: options.calibrationSamples ?? 100,
    seq,
    intraOpThreads: threads,
    dynamicPath: variants[1].path,
    staticPaths: { qdq: variants[2].path, qoperator: variants[3].path },
  });
  const weightOnly = options.weightOnly ?? [Q4_BENCH_VARIANT];
  if (weightOnly.length > 0) {
    const fp32 = await readModel(options.fp32Path);
    for (const v of weightOnly) {
      const path = join(dir, `model_${v.name}.onnx`);
      await writeModel(path, v.build(fp32));
      variants.push({ name: v.name, path });
    }
  }
  const rows = await interleavedVariantRows(variants, {
    model: options.model ?? "distilbert-base (random)",
    vocabSize,
    batches: options.batches,
    seq,
    rounds: options.rounds ?? defaultRounds(options.quick),
    intraOpThreads: threads,
    label: "quant bench",
    progress: options.progress,
  });
  return { rows, measurements: measurements(child, rows, options.calibrationSamples ?? 100) };
}

/**
 * The `quant` suite with these weight-only variants (default `q4`): {@link quantBenchRows} on the
 * run's full-size FP32 model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Q4_BENCH_VARIANT, quantSuiteWith } from "./bench.ts";
 * assert.equal(quantSuiteWith({ weightOnly: [Q4_BENCH_VARIANT] }).name, "quant");
 * ```
 */
export function quantSuiteWith(
  o: { weightOnly?: readonly WeightOnlyBenchVariant[] } = {},
): BenchSuite {
  return {
    name: "quant",
    description: "INT8 dynamic and static (QDQ, QOperator) and 4-bit weight-only " +
      `(${(o.weightOnly ?? [Q4_BENCH_VARIANT]).map((v) => v.name).join(", ")}) vs FP32 ` +
      "DistilBERT-base in ORT, and static quantization time/memory",
    run(context) {
      return quantBenchRows({
        fp32Path: context.baseModelPath,
        outDir: join(context.outDir, "models"),
        quick: context.quick,
        weightOnly: o.weightOnly,
      });
    },
  };
}

/** `deno task bench`'s suite with the default weight-only variant (`q4`). */
export const quantSuite: BenchSuite = quantSuiteWith();

async function quantizeInChild(request: BenchChildRequest): Promise<BenchChildResult> {
  const script = fileURLToPath(new URL("./_bench_child.ts", import.meta.url));
  const config = fileURLToPath(new URL("../../deno.json", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", config, script, JSON.stringify(request)],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`the quantization child process (${script}) failed; see its output above`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}

/** Interleaved timed rounds per batch size: 60 at batch 1, 20 above (quick: 5 and 3). */
function defaultRounds(quick: boolean | undefined): (batch: number) => number {
  return (batch) => quick ? (batch === 1 ? 5 : 3) : batch === 1 ? 60 : 20;
}

/** The speed targets (speedup over FP32, same run). */
const TARGETS: Record<string, Record<number, number>> = {
  "int8-dynamic": { 1: 2.2, 8: 2.4 },
  "int8-static": { 1: 2.4, 8: 2.7 },
};

function measurements(
  child: BenchChildResult,
  rows: QuantBenchRow[],
  samples: number,
): Measurement[] {
  const out: Measurement[] = [
    below(
      `quantize full-size DistilBERT static (${samples} calibration samples): time`,
      child.staticSeconds,
      "s",
      60,
    ),
    below(
      `quantize full-size DistilBERT static (${samples} calibration samples): peak RSS`,
      child.peakRssBytes / 1e9,
      "GB",
      3,
    ),
    { name: "calibration alone (streaming, seq 128)", value: child.calibrationSeconds, unit: "s" },
    { name: "quantize full-size DistilBERT dynamic: time", value: child.dynamicSeconds, unit: "s" },
  ];
  for (const variant of ["int8-dynamic", "int8-static"]) {
    const size = rows.find((r) => r.variant === variant)?.sizeRatio;
    if (size !== undefined) out.push(below(`${variant} size / FP32 size`, 100 * size, "%", 30));
  }
  const q4 = rows.find((r) => r.variant === "q4");
  if (q4) out.push(below("q4 (block 32) size / FP32 size", 100 * q4.sizeRatio, "%", 16));
  const q4f16 = rows.find((r) => r.variant === "q4f16");
  if (q4 && q4f16) {
    out.push(below("q4f16 size / q4 size", 100 * q4f16.sizeRatio / q4.sizeRatio, "%", 100));
  }
  for (const row of rows.filter((r) => r.variant.startsWith("q4"))) {
    out.push({
      name: `${row.variant} speedup over FP32, batch ${row.batch} (paired median; shared machine)`,
      value: row.pairedSpeedup,
      unit: "×",
      ...(row.variant === "q4" && row.batch === 1
        ? { target: "> 1 ×", met: row.pairedSpeedup > 1 }
        : {}),
    });
  }
  for (const row of rows) {
    const target = TARGETS[row.variant]?.[row.batch];
    if (target === undefined) continue;
    out.push({
      name: `${row.variant} speedup over FP32, batch ${row.batch} (paired median; shared machine)`,
      value: row.pairedSpeedup,
      unit: "×",
      target: `≥ ${target} ×`,
      met: row.pairedSpeedup >= target,
    });
  }
  return out;
}
