import type { BenchRow } from "./model_bench.ts";

/** A number a benchmark measured that is not a latency row (a duration, a memory peak, …). */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  /** The goal this number is held to, in words (e.g. `< 20 s`). */
  target?: string;
  /** Whether the number meets its target, when it has one. */
  met?: boolean;
}

/** What one benchmark suite measured. */
export interface SuiteResult {
  rows: BenchRow[];
  measurements: Measurement[];
}

/** Shared inputs of the suites of one `deno task bench` run. */
export interface BenchContext {
  /** Folder for models and results (default `out/bench`). */
  outDir: string;
  /** Shorter runs (`WORKSHOP_QUICK=1` or `--quick`). */
  quick: boolean;
  /** The real-task model to measure besides full-size random DistilBERT. */
  modelId: string;
  /** Path of the full-size random DistilBERT FP32 model, built once per run. */
  baseModelPath: string;
}

/** A named group of measurements that `deno task bench` runs. */
export interface BenchSuite {
  name: string;
  description: string;
  /**
   * True when the suite cannot run without the run's model (`context.modelId`): when the model
   * cannot be fetched, `deno task bench` skips it with a note instead of failing.
   */
  needsModel?: boolean;
  run(context: BenchContext): Promise<SuiteResult>;
}

/** Checks `value` against an upper bound and describes the target. */
export function below(
  name: string,
  value: number,
  unit: string,
  limit: number,
): Measurement {
  return { name, value, unit, target: `< ${limit} ${unit}`, met: value < limit };
}
