/**
 * The pruning benchmark of `deno task bench`: full-size DistilBERT-base (random weights) dense
 * FP32 against structured pruning (50% of FFN units and 25% of heads removed in every layer, by
 * magnitude; then also static INT8) and unstructured sparsity (50% of each transformer weight by
 * magnitude, and 2:4), measured interleaved in one process with FP32 in the same rounds, so the
 * ratios compare like with like on a busy machine. Unstructured rows are there to show what ORT's
 * CPU provider does with zeros: nothing (≈ 1.0×); their gain is the compressed size.
 *
 * @module
 */

import { join } from "node:path";
import { mkdir } from "node:fs/promises";
import {
  type BenchSuite,
  interleavedVariantRows,
  type Measurement,
  type PairedBenchRow,
  type SuiteResult,
  type VariantBenchOptions,
} from "../bench/mod.ts";
import { DISTILBERT_BASE, type DistilBertConfig, type WeightMap } from "../model/mod.ts";
import { type Model, readModel, writeModel } from "../onnx/mod.ts";
import { calibrateAndQuantize } from "../quant/mod.ts";
import { syntheticBatch, type TokenBatch } from "../runtime/mod.ts";
import type { MaskSet } from "./mask.ts";
import { applyMasks, linearWeights } from "./onnx_masks.ts";
import { compressedSize, weightSparsity } from "./sparsity.ts";
import { planByMagnitude, pruneStructured } from "./structured.ts";

/** A latency row of the pruning suite, with ratios to FP32 measured in the same rounds. */
export interface PruneBenchRow extends PairedBenchRow {
  /** Zero fraction of the transformer Linear weights. */
  sparsity: number;
  /** INT8 weights zipped ÷ the FP32 file's weights (see `compressedSize`). */
  compressedRatio: number;
}

/** Options of {@link pruneBenchRows}. */
export interface PruneBenchOptions extends VariantBenchOptions {
  /** The dense FP32 `.onnx` file (full-size DistilBERT-base, random weights, in the suite). */
  fp32Path: string;
  /** Folder for the pruned models. */
  outDir: string;
  /** The model's config (default `DISTILBERT_BASE`). */
  config?: DistilBertConfig;
  /** Interleaved timed rounds per batch size (default 40 at batch 1, 15 above; quick: 5 and 3). */
  rounds?: (batch: number) => number;
  /** Shorter runs (fewer rounds and calibration samples). */
  quick?: boolean;
  /** Calibration samples of the static INT8 variant (default 32; quick 8). */
  calibrationSamples?: number;
}

/** The variants, in table order. */
export const PRUNE_VARIANTS = [
  "fp32",
  "structured",
  "structured-int8",
  "unstructured-50",
  "2:4",
] as const;

interface Variant {
  name: (typeof PRUNE_VARIANTS)[number];
  path: string;
  sparsity: number;
  compressedRatio: number;
}

/**
 * Builds the pruned variants of the FP32 model, then times all of them interleaved and returns
 * their rows and the targets as measurements. Timings on a shared machine are noisy:
 * compare the paired speedups, not the times.
 *
 * @example
 * ```ts ignore
 * const { rows } = await pruneBenchRows({
 *   fp32Path: "out/bench/models/distilbert-base-random/model.onnx",
 *   outDir: "out/bench/models",
 * });
 * ```
 */
export async function pruneBenchRows(options: PruneBenchOptions): Promise<SuiteResult> {
  const config = options.config ?? DISTILBERT_BASE;
  const dir = join(options.outDir, "distilbert-base-random-pruned");
  await mkdir(dir, { recursive: true });
  const dense = await readModel(options.fp32Path);
  const weights = linearWeights(dense);
  const fp32Weights = compressedSize(dense, { zipFp32: false }).fp32Bytes;
  const write = async (name: Variant["name"], model: Model): Promise<Variant> => {
    const path = join(dir, `${name.replace(":", "of")}.onnx`);
    await writeModel(path, model);
    return {
      name,
      path,
      sparsity: weightSparsity(model).overall.sparsity,
      compressedRatio: compressedSize(model, { zipFp32: false }).int8ZippedBytes / fp32Weights,
    };
  };
  const variants: Variant[] = [await write("fp32", dense)];
  const plan = planByMagnitude(config, weights, { ffn: 0.5, heads: 0.25 });
  variants.push(await write("structured", pruneStructured(dense, { config, plan }).model));
  const unfused = pruneStructured(dense, { config, plan, passes: false }).model;
  variants.push(await write("structured-int8", await staticInt8(unfused, options)));
  variants.push(await write("unstructured-50", applyMasks(dense, magnitudeMasks(weights)).model));
  variants.push(await write("2:4", applyMasks(dense, nOfMMasks(weights, 2, 4)).model));
  variants[0].path = options.fp32Path;
  const rows = await interleavedRows(variants, config, options);
  return { rows, measurements: measurements(rows) };
}

/** `deno task bench`'s suite: {@link pruneBenchRows} on the run's full-size FP32 model. */
export const pruneSuite: BenchSuite = {
  name: "prune",
  description: "structured (50% FFN, 25% heads; and + INT8) and unstructured (50%, 2:4) " +
    "pruning vs FP32 DistilBERT-base in ORT, with sizes",
  run(context) {
    return pruneBenchRows({
      fp32Path: context.baseModelPath,
      outDir: join(context.outDir, "models"),
      quick: context.quick,
    });
  },
};

async function staticInt8(model: Model, options: PruneBenchOptions): Promise<Model> {
  const samples = options.calibrationSamples ?? (options.quick ? 8 : 32);
  const batches: TokenBatch[] = [];
  for (let done = 0, i = 0; done < samples; done += 8, i++) {
    batches.push(syntheticBatch({
      size: Math.min(8, samples - done),
      seqLen: options.seq ?? 128,
      vocabSize: (options.config ?? DISTILBERT_BASE).vocabSize,
      seed: 1000 + i,
    }));
  }
  const { model: quantized } = await calibrateAndQuantize(model, batches, {
    calibrationSize: samples,
    progress: false,
    session: { intraOpThreads: options.intraOpThreads ?? 2 },
  });
  return quantized;
}

const LAYER_WEIGHT = /^distilbert\.transformer\.layer\.\d+\..*\.weight$/;

/** Half of each transformer Linear weight: exactly floor(n / 2) of the smallest |w|. */
function magnitudeMasks(weights: WeightMap): MaskSet {
  const masks: MaskSet = new Map();
  for (const [name, t] of weights) {
    if (!LAYER_WEIGHT.test(name)) continue;
    const prune = Math.floor(t.data.length / 2);
    const threshold = Float32Array.from(t.data, Math.abs).sort()[prune];
    const mask = new Uint8Array(t.data.length).fill(1);
    let pruned = 0;
    for (let k = 0; k < mask.length; k++) {
      if (Math.abs(t.data[k]) < threshold) (mask[k] = 0, pruned++);
    }
    for (let k = 0; k < mask.length && pruned < prune; k++) {
      if (Math.abs(t.data[k]) === threshold) (mask[k] = 0, pruned++);
    }
    masks.set(name, { shape: t.shape, mask });
  }
  return masks;
}

/** N:M along each row's inputs: in every M consecutive weights the N largest |w| stay. */
function nOfMMasks(weights: WeightMap, n: number, m: number): MaskSet {
  const masks: MaskSet = new Map();
  for (const [name, t] of weights) {
    if (!LAYER_WEIGHT.test(name)) continue;
    const mask = new Uint8Array(t.data.length);
    for (let g = 0; g + m <= t.data.length; g += m) {
      const group = Array.from({ length: m }, (_, j) => g + j)
        .sort((a, b) => Math.abs(t.data[b]) - Math.abs(t.data[a]) || a - b);
      for (const k of group.slice(0, n)) mask[k] = 1;
    }
    masks.set(name, { shape: t.shape, mask });
  }
  return masks;
}

async function interleavedRows(
  variants: Variant[],
  config: DistilBertConfig,
  o: PruneBenchOptions,
): Promise<PruneBenchRow[]> {
  const rows = await interleavedVariantRows(variants, {
    model: o.model ?? "distilbert-base (random)",
    vocabSize: config.vocabSize,
    batches: o.batches,
    seq: o.seq,
    rounds: o.rounds ??
      ((batch) => o.quick ? (batch === 1 ? 5 : 3) : batch === 1 ? 40 : 15),
    intraOpThreads: o.intraOpThreads,
    label: "prune bench",
    progress: o.progress,
  });
  const byName = new Map(variants.map((v) => [v.name as string, v]));
  return rows.map((row) => {
    const { sparsity, compressedRatio } = byName.get(row.variant)!;
    return { ...row, sparsity, compressedRatio };
  });
}

/** The targets: speedup over FP32 at batch 8 (same run), and size. */
const SPEED_TARGETS: Record<string, number> = { structured: 1.6, "structured-int8": 4.5 };

function measurements(rows: PruneBenchRow[]): Measurement[] {
  const out: Measurement[] = [];
  const structured = rows.find((r) => r.variant === "structured");
  if (structured) {
    out.push({
      name: "structured size / FP32 size (word embeddings stay whole)",
      value: 100 * structured.sizeRatio,
      unit: "%",
      target: "≤ 76 %",
      met: structured.sizeRatio <= 0.76,
    });
  }
  for (const row of rows) {
    if (row.variant === "fp32") continue;
    const target = row.batch === 8 ? SPEED_TARGETS[row.variant] : undefined;
    out.push({
      name: `${row.variant} speedup over FP32, batch ${row.batch} (paired median; shared machine)`,
      value: row.pairedSpeedup,
      unit: "×",
      ...(target === undefined
        ? {}
        : { target: `≥ ${target} ×`, met: row.pairedSpeedup >= target }),
    });
  }
  for (const variant of ["unstructured-50", "2:4"]) {
    const row = rows.find((r) => r.variant === variant);
    if (!row) continue;
    out.push({
      name: `${variant}: zipped INT8 weights / FP32 weights (sparsity ${row.sparsity.toFixed(2)})`,
      value: 100 * row.compressedRatio,
      unit: "%",
    });
  }
  return out;
}
