/**
 * The kit's fusions against ONNX Runtime's own graph optimizer: the same model at ORT levels
 * `disabled`/`basic`/`extended`/`all`, and fused by the kit then run at ORT `basic` (and `all`),
 * with latency at each batch size, size on disk and node counts (of the graph ORT actually runs,
 * read back from the optimized model ORT writes).
 *
 * On a machine shared with other work, timing variants one after the other compares the load of
 * different minutes more than the variants (on the workshop's 2-core VM, the same variant moved
 * 3× between two sweeps). By default the variants are therefore timed interleaved — all
 * sessions open, one run of each in turn, the order reversed every round — so every variant sees
 * the same load, with ORT's thread-pool spinning off (idle pools would otherwise spin and steal
 * the cores of the session that runs next); `interleave: false` times them one by one with
 * `benchModel` instead (ORT defaults).
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  below,
  benchModel,
  type BenchSuite,
  type MeasureOptions,
  timeInterleaved,
} from "../bench/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { type Model, modelSizeOnDisk, readModel, writeModel } from "../onnx/mod.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { createSession, type GraphOptimizationLevel, type ModelSession } from "../runtime/mod.ts";
import { compareModels } from "./check.ts";
import { fuse } from "./pipeline.ts";
import { ALL_PASSES } from "./pass_registry.ts";

/**
 * A configuration to benchmark: ORT alone at a level, or the kit's passes then ORT at a level.
 * `kit+…` uses `options.passes` (default `DEFAULT_PASSES`); `kit-all+ort-basic` uses every
 * pass, `skip-layer-norm` included, to show what that fusion costs on ORT's CPU provider.
 */
export type FusionVariant =
  | "ort-disabled"
  | "ort-basic"
  | "ort-extended"
  | "ort-all"
  | "kit+ort-basic"
  | "kit+ort-all"
  | "kit-all+ort-basic";

/** Every variant, in table order. */
export const FUSION_VARIANTS: readonly FusionVariant[] = [
  "ort-disabled",
  "ort-basic",
  "ort-extended",
  "ort-all",
  "kit+ort-basic",
  "kit+ort-all",
  "kit-all+ort-basic",
];

const VARIANT_SPECS: Record<
  FusionVariant,
  { kit?: "default" | "all"; level: GraphOptimizationLevel }
> = {
  "ort-disabled": { level: "disabled" },
  "ort-basic": { level: "basic" },
  "ort-extended": { level: "extended" },
  "ort-all": { level: "all" },
  "kit+ort-basic": { kit: "default", level: "basic" },
  "kit+ort-all": { kit: "default", level: "all" },
  "kit-all+ort-basic": { kit: "all", level: "basic" },
};

/** Options of {@link fusionBenchRows}. */
export interface FusionBenchOptions {
  /** The model (object or `.onnx` path); default a random full-size DistilBERT (seed 0). */
  model?: Model | string;
  /** Its name in the table (default `"distilbert-base (random)"` or the file's path tail). */
  modelName?: string;
  /** Vocabulary size for random token ids (default: the embedding's rows). */
  vocabSize?: number;
  /** Batch sizes (default [1, 8]). */
  batches?: number[];
  /** Sequence length (default 128). */
  seq?: number;
  /** Variants (default all of {@link FUSION_VARIANTS}). */
  variants?: readonly FusionVariant[];
  /** Kit passes of the `kit+…` variants (default `DEFAULT_PASSES`). */
  passes?: readonly string[];
  /**
   * Runs per variant and batch: at least `iterations` (default 10) and, per variant, at least
   * `minTimeMs` (default 3000) of measured time, after `warmup` (default 3) runs.
   */
  measure?: MeasureOptions;
  /** Time the variants interleaved, run by run (default true); false: one by one. */
  interleave?: boolean;
  /** ORT threads (default: all cores). */
  intraOpThreads?: number;
  /** Check the fused model's outputs against the original (ORT disabled) first (default true). */
  check?: boolean;
  progress?: ProgressOption;
}

/** One row: a variant at one batch size. */
export interface FusionBenchRow {
  model: string;
  variant: FusionVariant;
  batch: number;
  seq: number;
  medianMs: number;
  p90Ms: number;
  /** Fastest run: the least disturbed by other processes. */
  minMs: number;
  /** Bytes of the `.onnx` file given to ORT. */
  sizeBytes: number;
  /** Nodes of the graph ORT runs (after its own optimizations at that level). */
  nodes: number;
  /** Nodes of the file given to ORT (before ORT's optimizations). */
  fileNodes: number;
  /** Timed runs behind the statistics. */
  runs: number;
  /** Time the kit's passes took (kit variants). */
  fuseMs?: number;
  /** Largest |difference| of the fused model's outputs and probes vs the original (kit variants). */
  maxAbsDiff?: number;
}

/** A variant ready to time: its file, session options and what the table says about it. */
interface Prepared {
  variant: FusionVariant;
  path: string;
  level: GraphOptimizationLevel;
  kit?: KitModel;
  fileNodes: number;
}

/**
 * Benchmarks ORT's optimization levels against the kit's fusions on one model. Writes the models
 * to a temporary folder (removed afterwards). Timings depend on the machine and its load: compare
 * rows of one run, not across runs.
 *
 * @example
 * ```ts ignore
 * import { fusionBenchRows } from "./bench.ts";
 * import { Table } from "../display/mod.ts";
 * const rows = await fusionBenchRows(); // full-size random DistilBERT, batch 1 and 8 × 128
 * console.log(new Table(rows).toString());
 * ```
 */
export async function fusionBenchRows(options: FusionBenchOptions = {}): Promise<FusionBenchRow[]> {
  const variants = options.variants ?? FUSION_VARIANTS;
  const dir = await mkdtemp(join(tmpdir(), "fusion-bench-"));
  const progress = progressReporter(options.progress, {
    label: "fusion bench",
    total: variants.length * (options.batches ?? [1, 8]).length,
    unit: "rows",
  });
  try {
    const { model, path, name } = await prepareModel(options, dir);
    const vocabSize = options.vocabSize ?? embeddingRows(model) ?? DISTILBERT_BASE.vocabSize;
    const kits = new Map<"default" | "all", KitModel>();
    const prepared: Prepared[] = [];
    for (const variant of variants) {
      const spec = VARIANT_SPECS[variant];
      let kit: KitModel | undefined;
      if (spec.kit) {
        kit = kits.get(spec.kit) ??
          await fusedModel(model, dir, spec.kit === "all" ? ALL_PASSES : options.passes, options);
        kits.set(spec.kit, kit);
      }
      prepared.push({
        variant,
        path: kit ? kit.path : path,
        level: spec.level,
        kit,
        fileNodes: kit ? kit.nodes : model.graph.nodes.length,
      });
    }
    const context = { name, vocabSize, dir, options, tick: () => progress.tick() };
    const rows = options.interleave ?? true
      ? await timeAllInterleaved(prepared, context)
      : await timeOneByOne(prepared, context);
    progress.done();
    return rows;
  } catch (error) {
    progress.fail(error);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface TimingContext {
  name: string;
  vocabSize: number;
  dir: string;
  options: FusionBenchOptions;
  tick: () => void;
}

function row(
  p: Prepared,
  ctx: TimingContext,
  r: { batch: number; seq: number; medianMs: number; p90Ms: number; minMs: number; runs: number },
  extra: { sizeBytes: number; nodes: number },
): FusionBenchRow {
  return {
    model: ctx.name,
    variant: p.variant,
    batch: r.batch,
    seq: r.seq,
    medianMs: r.medianMs,
    p90Ms: r.p90Ms,
    minMs: r.minMs,
    sizeBytes: extra.sizeBytes,
    nodes: extra.nodes,
    fileNodes: p.fileNodes,
    runs: r.runs,
    ...(p.kit ? { fuseMs: p.kit.fuseMs } : {}),
    ...(p.kit?.maxAbsDiff !== undefined ? { maxAbsDiff: p.kit.maxAbsDiff } : {}),
  };
}

/** Nodes of the optimized model ORT wrote for a session (then the file is deleted). */
async function optimizedNodes(path: string): Promise<number> {
  const nodes = (await readModel(path)).graph.nodes.length;
  await rm(path, { force: true });
  return nodes;
}

async function timeAllInterleaved(list: Prepared[], ctx: TimingContext): Promise<FusionBenchRow[]> {
  const { options } = ctx;
  const sessions: { p: Prepared; s: ModelSession; nodes: number; sizeBytes: number }[] = [];
  try {
    for (const p of list) {
      const optimized = join(ctx.dir, `${p.variant}.optimized.onnx`);
      // Sessions take turns on the same cores: no spin-waiting threads (see `allowSpinning`).
      const s = await createSession(p.path, {
        graphOptimizationLevel: p.level,
        optimizedModelFilePath: optimized,
        intraOpThreads: options.intraOpThreads,
        allowSpinning: false,
      });
      sessions.push({
        p,
        s,
        nodes: await optimizedNodes(optimized),
        sizeBytes: await modelSizeOnDisk(p.path),
      });
    }
    const timings = await timeInterleaved(sessions.map(({ s }) => s), {
      vocabSize: ctx.vocabSize,
      batches: options.batches,
      seq: options.seq,
      measure: options.measure,
      order: "reverse",
      onTiming: ctx.tick,
    });
    const rows = timings.map((t) => {
      const { p, nodes, sizeBytes } = sessions[t.index];
      return row(p, ctx, { ...t, runs: t.count }, { sizeBytes, nodes });
    });
    return order(rows, list);
  } finally {
    for (const { s } of sessions) await s.session.release();
  }
}

async function timeOneByOne(list: Prepared[], ctx: TimingContext): Promise<FusionBenchRow[]> {
  const { options } = ctx;
  const rows: FusionBenchRow[] = [];
  for (const p of list) {
    const optimized = join(ctx.dir, `${p.variant}.optimized.onnx`);
    const bench = await benchModel({
      model: ctx.name,
      variant: p.variant,
      path: p.path,
      vocabSize: ctx.vocabSize,
      batches: options.batches ?? [1, 8],
      seq: options.seq ?? 128,
      session: {
        graphOptimizationLevel: p.level,
        optimizedModelFilePath: optimized,
        ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
      },
      measure: options.measure,
    });
    const nodes = await optimizedNodes(optimized);
    for (const r of bench) {
      // benchModel reports no minimum; its median stands in for it
      rows.push(row(p, ctx, { ...r, minMs: r.medianMs }, { sizeBytes: r.sizeBytes, nodes }));
      ctx.tick();
    }
  }
  return rows;
}

/** Rows grouped by variant (in `list` order), then by batch. */
function order(rows: FusionBenchRow[], list: Prepared[]): FusionBenchRow[] {
  const rank = new Map(list.map((p, i) => [p.variant, i]));
  return [...rows].sort((a, b) => rank.get(a.variant)! - rank.get(b.variant)! || a.batch - b.batch);
}

async function prepareModel(options: FusionBenchOptions, dir: string) {
  if (typeof options.model === "string") {
    const model = await readModel(options.model);
    const name = options.modelName ?? options.model.split("/").slice(-3).join("/");
    return { model, path: options.model, name };
  }
  const model = options.model ?? buildDistilBert(DISTILBERT_BASE, { seed: 0 });
  const path = join(dir, "model.onnx");
  await writeModel(path, model);
  return { model, path, name: options.modelName ?? "distilbert-base (random)" };
}
interface KitModel {
  path: string;
  fuseMs: number;
  maxAbsDiff?: number;
  nodes: number;
}

async function fusedModel(
  model: Model,
  dir: string,
  passes: readonly string[] | undefined,
  options: FusionBenchOptions,
): Promise<KitModel> {
  const start = performance.now();
  const { model: fused } = fuse(model, { passes });
  const fuseMs = performance.now() - start;
  const path = join(dir, `fused-${passes === ALL_PASSES ? "all" : "default"}.onnx`);
  await writeModel(path, fused);
  let maxAbsDiff: number | undefined;
  if (options.check ?? true) {
    const result = await compareModels(model, fused, {
      batch: 2,
      seq: Math.min(options.seq ?? 128, 32),
      maxProbes: 8,
      rtol: 1e-4,
      atol: 1e-4,
      intraOpThreads: options.intraOpThreads,
    });
    maxAbsDiff = result.maxAbsDiff;
  }
  return { path, fuseMs, maxAbsDiff, nodes: fused.graph.nodes.length };
}

function embeddingRows(model: Model): number | undefined {
  const gather = model.graph.nodes.find((n) =>
    n.opType === "Gather" && n.inputs[1] === "input_ids"
  );
  return model.graph.initializers.find((t) => t.name === gather?.inputs[0])?.dims[0];
}

/**
 * `deno task bench`'s fusion suite: the full-size random DistilBERT with ORT at every
 * optimization level and with the kit's passes, at batch 1 and 8 × 128, plus the time the passes
 * take.
 */
export const fusionSuite: BenchSuite = {
  name: "fusion",
  description: "the kit's fusion passes vs ONNX Runtime's optimizer on full-size DistilBERT",
  async run(context) {
    const started = performance.now();
    fuse(await readModel(context.baseModelPath));
    const fuseSeconds = (performance.now() - started) / 1000;
    const rows = await fusionBenchRows({
      model: context.baseModelPath,
      modelName: "distilbert-base (random)",
      measure: context.quick ? { warmup: 1, iterations: 5, minTimeMs: 0 } : undefined,
    });
    return {
      rows,
      measurements: [below("fusion passes on full-size DistilBERT: time", fuseSeconds, "s", 5)],
    };
  },
};
