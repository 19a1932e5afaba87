/**
 * `deno task quantize --model ID --approach dynamic|static [--method minmax|percentile|entropy]
 * [--samples N] [--format qdq|qoperator] [--exclude NODE,…] [--per-tensor] [--out DIR]
 * [--tune [--relative-loss 0.01] [--strategy NAME] [--max-trials N] [--objective accuracy|latency|
 * size|pareto]] [--import MODULE,…]`:
 * post-training quantization of a hub model, written in hub layout (`DIR/onnx/model_quantized.onnx`
 * beside `config.json` and the tokenizer) so `@huggingface/transformers` loads it with
 * `dtype: "q8"`. `--strategy` takes any registered tuning strategy (`basic`, `random`, or one a
 * module given with `--import` registers with `registerStrategy`); `--help` lists them.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Table } from "../display/mod.ts";
import { type Approach, quantizeWorkshopModel } from "../workshop/mod.ts";
import type { CalibrationMethod, QuantFormat } from "../quant/mod.ts";
import { TUNE_OBJECTIVES, TUNE_STRATEGIES } from "../tune/mod.ts";
import { runCli } from "./main.ts";

/** A command-line value is not one of the allowed ones. */
export class UsageError extends Error {
  override name = "UsageError";
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${flag} ${value} is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) {
    throw new UsageError(`--${flag} ${value} must be a number ≥ 0`);
  }
  return n;
}

/**
 * The `--help` text, with the tuning strategies registered when it is called.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quantizeUsage } from "./quantize.ts";
 * assert.match(quantizeUsage(), /--strategy NAME/);
 * assert.match(quantizeUsage(), /^ {4}basic +default, then recipes/m);
 * assert.match(quantizeUsage(), /^ {4}random /m);
 * ```
 */
export function quantizeUsage(): string {
  const strategies = TUNE_STRATEGIES.values();
  const width = Math.max(...strategies.map((s) => s.name.length));
  return "deno task quantize --model ID --approach dynamic|static [--method minmax|percentile|entropy]\n" +
    "  [--samples N] [--format qdq|qoperator] [--exclude NODE,...] [--per-tensor] [--out DIR]\n" +
    "  [--tune [--relative-loss 0.01] [--strategy NAME] [--max-trials N]\n" +
    "  [--objective accuracy|latency|size|pareto]] [--import MODULE,...]\n\n" +
    "--import MODULE,...  modules to load first (e.g. one that calls registerStrategy)\n" +
    "tuning strategies (--strategy):\n" +
    strategies.map((s) => `    ${s.name.padEnd(width)}  ${s.description ?? ""}`.trimEnd())
      .join("\n");
}

/** Imports each module of a comma-separated `--import` list (paths relative to the cwd). */
async function importModules(list: string | undefined): Promise<void> {
  for (const path of list?.split(",").map((s) => s.trim()).filter(Boolean) ?? []) {
    await import(/^[a-z]+:/.test(path) ? path : pathToFileURL(resolve(path)).href);
  }
}

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      model: { type: "string" },
      revision: { type: "string" },
      approach: { type: "string", default: "static" },
      method: { type: "string" },
      samples: { type: "string" },
      format: { type: "string" },
      exclude: { type: "string" },
      "per-tensor": { type: "boolean" },
      tune: { type: "boolean" },
      "relative-loss": { type: "string" },
      strategy: { type: "string" },
      "max-trials": { type: "string" },
      objective: { type: "string" },
      out: { type: "string" },
      import: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  await importModules(values.import);
  if (values.help) {
    console.log(quantizeUsage());
    return;
  }
  const approach = oneOf<Approach>("approach", values.approach, ["dynamic", "static"])!;
  const samples = values.samples === undefined ? undefined : Number(values.samples);
  if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) {
    throw new UsageError(
      `--samples ${values.samples} must be a positive whole number of MRPC pairs`,
    );
  }
  const result = await quantizeWorkshopModel({
    modelId: values.model,
    revision: values.revision,
    approach,
    method: oneOf<CalibrationMethod>("method", values.method, ["minmax", "percentile", "entropy"]),
    calibrationSamples: samples,
    outDir: values.out,
    quant: {
      format: oneOf<QuantFormat>("format", values.format, ["qdq", "qoperator"]),
      excludeNodes: values.exclude?.split(",").map((s) => s.trim()).filter(Boolean),
      perChannel: values["per-tensor"] ? false : undefined,
    },
    tune: values.tune
      ? {
        criterion: values["relative-loss"] === undefined
          ? undefined
          : { relative: positiveNumber("relative-loss", values["relative-loss"]) },
        strategy: oneOf("strategy", values.strategy, TUNE_STRATEGIES.names()),
        maxTrials: values["max-trials"] === undefined
          ? undefined
          : positiveNumber("max-trials", values["max-trials"]),
        objective: oneOf("objective", values.objective, TUNE_OBJECTIVES),
      }
      : undefined,
  });
  if (result.tuning) console.log(`${result.tuning.message}\n${result.tuning.table().toString()}\n`);
  console.log(
    new Table(
      Object.entries(result.report.byOpType).map(([op, c]) => ({
        op,
        quantized: c.quantized,
        fp32: c.fp32,
      })),
      { title: `${result.fp32.modelId}: ${approach} INT8 in ${result.seconds.toFixed(1)} s` },
    ).toString(),
  );
  console.log(`\nwrote ${result.dir} (onnx/model_quantized.onnx, load with dtype "q8")`);
}
