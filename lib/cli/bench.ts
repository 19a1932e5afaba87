/**
 * `deno task bench [--only NAME,…] [--model ID] [--out DIR] [--quick]`: latency, size, time and
 * memory benchmarks. Prints tables and writes `DIR/bench.json` =
 * `{ machine, complete, suites: [{ suite, status, error?, note?, seconds }],
 *    rows: [{ model, variant, batch, seq, medianMs, p90Ms, sizeBytes, … }], measurements }`,
 * rewritten (atomically) after every suite: a failed suite is recorded with its error and the
 * others still run; suites that need the model skip with a note when it cannot be fetched.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { type BenchContext, type BenchSuite, machineInfo, runBenchSuites } from "../bench/mod.ts";
import { buildDistilBert, DISTILBERT_BASE, loadHubConfig } from "../model/mod.ts";
import { writeModel } from "../onnx/mod.ts";
import { Table } from "../display/mod.ts";
import { buildDtypeModel, fp32Suite, tuneBenchSuite } from "../workshop/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { mixedPrecisionSuite } from "../mixed/mod.ts";
import { Q4_BENCH_VARIANT, Q4_INT8_COMPUTE_BENCH_VARIANT, quantSuiteWith } from "../quant/mod.ts";
import { fusionSuite } from "../fuse/mod.ts";
import { trainSuite } from "../train/mod.ts";
import { qatSuite } from "../qat/mod.ts";
import { pruneStepSuite, pruneSuite } from "../prune/mod.ts";
import { parseTaskFlags } from "./flags.ts";
import { runCli } from "./main.ts";

/** Every suite `deno task bench` knows, in the order they run. */
export const BENCH_SUITES: BenchSuite[] = [
  fp32Suite,
  quantSuiteWith({
    weightOnly: [Q4_BENCH_VARIANT, {
      name: "q4f16",
      build: (fp32) => buildDtypeModel(fp32, "q4f16"),
    }, Q4_INT8_COMPUTE_BENCH_VARIANT],
  }),
  fusionSuite,
  mixedPrecisionSuite,
  pruneSuite,
  tuneBenchSuite(),
  { ...trainSuite, needsModel: true },
  { ...qatSuite, needsModel: true },
  pruneStepSuite,
];

/** One or more suites failed; `bench.json` holds the others' results and the errors. */
export class BenchSuiteError extends Error {
  override name = "BenchSuiteError";
}

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values } = parseTaskFlags("bench", Deno.args, {
    options: {
      only: { type: "string" },
      model: { type: "string" },
      out: { type: "string", default: "out/bench" },
      quick: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      `deno task bench [--only ${
        BENCH_SUITES.map((s) => s.name).join(",")
      }] [--model ID] [--out DIR] [--quick]\n` +
        BENCH_SUITES.map((s) => `  ${s.name.padEnd(8)} ${s.description}`).join("\n"),
    );
    return;
  }
  const workshop = workshopSettings({
    ...(values.model ? { modelId: values.model } : {}),
    ...(values.quick ? { quick: true } : {}),
  });
  const only = values.only?.split(",").map((s) => s.trim());
  const suites = only ? BENCH_SUITES.filter((s) => only.includes(s.name)) : BENCH_SUITES;
  const outDir = resolve(values.out!);
  const context: BenchContext = {
    outDir,
    quick: workshop.quick,
    modelId: workshop.modelId,
    baseModelPath: await writeBaseModel(outDir),
  };
  const path = join(outDir, "bench.json");
  const machine = await machineInfo();
  const results = await runBenchSuites({
    suites,
    context,
    machine,
    path,
    modelUnavailable: () =>
      loadHubConfig(workshop.modelId, { progress: false }).then(
        () => undefined,
        (error: Error) => `${error.name}: ${error.message}`,
      ),
  });
  console.log(
    new Table(
      results.rows.map((r) => ({
        model: r.model,
        variant: r.variant,
        batch: r.batch,
        seq: r.seq,
        "median ms": r.medianMs,
        "p90 ms": r.p90Ms,
        "size MB": r.sizeBytes / 1e6,
      })),
      { title: `Latency (${machine.cpu}, ${machine.cores} cores)`, digits: 2 },
    ).toString(),
  );
  if (results.measurements.length > 0) {
    console.log(
      "\n" + new Table(
        results.measurements.map((m) => ({
          measurement: m.name,
          value: m.value,
          unit: m.unit,
          target: m.target,
          met: m.met,
        })),
        { title: "Other measurements", digits: 2 },
      ).toString(),
    );
  }
  for (const s of results.suites.filter((s) => s.status !== "ok")) {
    console.log(`\n${s.suite}: ${s.status}: ${s.error ?? s.note}`);
  }
  console.log(`\nwrote ${path}`);
  if (results.suites.some((s) => s.status === "failed")) {
    throw new BenchSuiteError(
      `${results.suites.filter((s) => s.status === "failed").map((s) => s.suite).join(", ")} ` +
        `failed (errors above and in ${path}); the other suites' results were kept`,
    );
  }
}

/** Full-size DistilBERT-base with random weights, the model speed goals are measured on. */
async function writeBaseModel(outDir: string): Promise<string> {
  const path = join(outDir, "models", "distilbert-base-random", "model.onnx");
  await writeModel(path, buildDistilBert(DISTILBERT_BASE, { seed: 0 }));
  return path;
}
