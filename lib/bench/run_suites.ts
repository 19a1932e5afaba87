import { writeFileAtomic } from "../fs/atomic.ts";
import type { MachineInfo } from "./machine.ts";
import type { BenchContext, BenchSuite, SuiteResult } from "./suite.ts";

/** How one suite of a `deno task bench` run ended. */
export interface SuiteOutcome {
  suite: string;
  status: "ok" | "failed" | "skipped";
  /** `Name: message` of the error of a failed suite. */
  error?: string;
  /** Why a suite was skipped. */
  note?: string;
  seconds: number;
}

/** The content of `bench.json`: every finished suite's rows, and how each suite ended. */
export interface BenchReport extends SuiteResult {
  machine: MachineInfo;
  suites: SuiteOutcome[];
  /** False while suites are still to run (the file is rewritten after each suite). */
  complete: boolean;
}

/** Options of {@linkcode runBenchSuites}. */
export interface RunBenchSuitesOptions {
  suites: BenchSuite[];
  context: BenchContext;
  machine: MachineInfo;
  /** `bench.json`, rewritten atomically after every suite. */
  path: string;
  /**
   * Checks once, before the first suite that needs it, that the run's model can be fetched:
   * resolves to `undefined` when it can, else to the reason it cannot.
   */
  modelUnavailable?: () => Promise<string | undefined>;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/**
 * Runs benchmark suites one after another and writes `bench.json` after each one, so no finished
 * measurement is lost: a suite that throws is recorded with its error and the next one runs; a
 * suite that needs the run's model (`needsModel`) is skipped with a note when the model cannot be
 * fetched. Returns the final report (also written with `complete: true`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runBenchSuites } from "./run_suites.ts";
 * const dir = await Deno.makeTempDir();
 * const machine = {
 *   cpu: "test", cores: 1, memoryBytes: 0, os: "linux", arch: "x86_64", isa: [], deno: "2", onnxruntime: "1",
 * };
 * const report = await runBenchSuites({
 *   suites: [{ name: "broken", description: "throws", run: () => Promise.reject(new Error("boom")) }],
 *   context: { outDir: dir, quick: true, modelId: "a/b", baseModelPath: "unused.onnx" },
 *   machine,
 *   path: `${dir}/bench.json`,
 *   log: () => {},
 * });
 * assert.deepEqual(report.suites.map((s) => [s.suite, s.status, s.error]), [["broken", "failed", "Error: boom"]]);
 * assert.equal(JSON.parse(await Deno.readTextFile(`${dir}/bench.json`)).complete, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runBenchSuites(options: RunBenchSuitesOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => console.error(line));
  const report: BenchReport = {
    machine: options.machine,
    complete: false,
    suites: [],
    rows: [],
    measurements: [],
  };
  let unavailable: Promise<string | undefined> | undefined;
  for (const suite of options.suites) {
    const started = performance.now();
    const seconds = () => Math.round(performance.now() - started) / 1000;
    if (suite.needsModel && options.modelUnavailable) {
      unavailable ??= options.modelUnavailable();
      const reason = await unavailable;
      if (reason !== undefined) {
        const note = `model ${options.context.modelId} cannot be fetched (${reason})`;
        log(`bench: ${suite.name} skipped: ${note}`);
        report.suites.push({ suite: suite.name, status: "skipped", note, seconds: 0 });
        await write(options.path, report);
        continue;
      }
    }
    log(`bench: ${suite.name} — ${suite.description}`);
    try {
      const result = await suite.run(options.context);
      report.rows.push(...result.rows);
      report.measurements.push(...result.measurements);
      report.suites.push({ suite: suite.name, status: "ok", seconds: seconds() });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      log(`bench: ${suite.name} failed: ${e.name}: ${e.message}`);
      report.suites.push({
        suite: suite.name,
        status: "failed",
        error: `${e.name}: ${e.message}`,
        seconds: seconds(),
      });
    }
    await write(options.path, report);
  }
  report.complete = true;
  await write(options.path, report);
  return report;
}

async function write(path: string, report: BenchReport): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(report, null, 2) + "\n");
}
