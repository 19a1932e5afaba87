/**
 * "Why is it faster": the FP32 model and a variant profiled kernel by kernel, the waterfall
 * between them, and (optionally) a sweep over sequence lengths and threads — with the CPU facts
 * the ratios depend on.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";
import { cpuFlags, type U8S8Accumulation, u8s8Accumulation } from "../runtime/mod.ts";
import { JUPYTER_DISPLAY, type MimeBundle, type Table } from "../display/mod.ts";
import { compareProfiles, type ProfileComparison } from "./compare_profiles.ts";
import { profileModel } from "./profile_model.ts";
import { speedSweep, type SpeedSweepOptions, type SweepPoint } from "./speed_sweep.ts";
import { kernelTable, waterfallFigure } from "./figures.ts";

/** A model to profile and its name. */
export interface ProfiledModel {
  name: string;
  model: Model | Uint8Array | string;
  /** Its linear layers run in FP16. */
  fp16?: boolean;
}

/** Options of {@link whyFaster}. */
export interface WhyFasterOptions {
  reference: ProfiledModel;
  candidate: ProfiledModel;
  vocabSize: number;
  /** Profiled batch: rows (default 8) and tokens (default 128). */
  batch?: number;
  seq?: number;
  /** Intra-op threads of the profile (default: all cores). */
  threads?: number;
  /** Profiled runs averaged (default 5). */
  runs?: number;
  /** Also sweep sequence lengths and threads (default off: it takes minutes on full size). */
  sweep?: boolean | Omit<SpeedSweepOptions, "reference" | "candidate" | "vocabSize">;
}

/** What the speed-ups depend on. */
export interface CpuFacts {
  /** How uint8 × int8 products accumulate here (`u8s8Accumulation`). */
  accumulation: U8S8Accumulation;
  /** The CPU's flags of interest (AVX2, AVX-512, VNNI, AMX). */
  isa: string[];
}

/** Plain data of a {@link WhyFaster} (JSON; `report.extra.profile`). */
export interface WhyFasterSummary {
  batch: number;
  seq: number;
  comparison: ProfileComparison;
  sweep?: SweepPoint[];
  cpu: CpuFacts;
}

/**
 * Profiles both models at one batch shape, compares them, and sweeps when asked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { whyFaster } from "./why_faster.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const fp32 = buildDistilBert(config, { seed: 0 });
 * const why = await whyFaster({
 *   reference: { name: "fp32", model: fp32 }, candidate: { name: "int8", model: quantizeDynamic(fp32).model },
 *   vocabSize: 1100, batch: 2, seq: 8, runs: 2, threads: 1,
 * });
 * assert.ok(why.summary.comparison.kernels.some((k) => k.category === "linear (INT8)" && k.candidateMs > 0));
 * ```
 */
export async function whyFaster(options: WhyFasterOptions): Promise<WhyFaster> {
  const batch = options.batch ?? 8;
  const seq = options.seq ?? 128;
  const profile = (m: ProfiledModel) =>
    profileModel(m.model, {
      vocabSize: options.vocabSize,
      batch,
      seq,
      threads: options.threads,
      runs: options.runs,
      fp16: m.fp16,
    });
  const reference = { name: options.reference.name, profile: await profile(options.reference) };
  const candidate = { name: options.candidate.name, profile: await profile(options.candidate) };
  const sweepOptions = options.sweep === true ? {} : options.sweep;
  const sweep = sweepOptions
    ? await speedSweep({
      ...sweepOptions,
      reference: options.reference.model,
      candidate: options.candidate.model,
      vocabSize: options.vocabSize,
    })
    : undefined;
  return new WhyFaster({
    batch,
    seq,
    comparison: compareProfiles(reference, candidate),
    ...(sweep ? { sweep } : {}),
    cpu: cpuFacts(),
  });
}

/**
 * This CPU's facts the INT8 speed-up depends on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuFacts } from "./why_faster.ts";
 * assert.ok(["int32", "int16-pairs"].includes(cpuFacts().accumulation));
 * ```
 */
export function cpuFacts(): CpuFacts {
  const wanted = /^(avx2|avx512f|avx512_vnni|avx_vnni|amx_int8|amx_bf16|avx512_bf16|avx512_fp16)$/;
  return { accumulation: u8s8Accumulation(), isa: cpuFlags().filter((f) => wanted.test(f)) };
}

/** The result of {@link whyFaster}: its summary, tables and figures. */
export class WhyFaster {
  constructor(readonly summary: WhyFasterSummary) {}

  /** Milliseconds per run of the two models' kernels. */
  get speedup(): number {
    const { reference, candidate } = this.summary.comparison;
    return reference.profile.kernelMs / candidate.profile.kernelMs;
  }

  toJSON(): WhyFasterSummary {
    return this.summary;
  }

  /** The kernel table (ms per run, both models). */
  table(): Table {
    return kernelTable(this.summary.comparison);
  }

  /** In a notebook: the waterfall (show the kernel table with {@link WhyFaster.table}). */
  [JUPYTER_DISPLAY](): MimeBundle {
    return waterfallFigure(this.summary.comparison)[JUPYTER_DISPLAY]();
  }
}
