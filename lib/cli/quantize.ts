/**
 * `deno task quantize --model ID --approach dynamic|static [--method minmax|percentile|entropy]
 * [--samples N] [--format qdq|qoperator] [--exclude NODE,…] [--per-tensor] [--out DIR]
 * [--tune [--relative-loss 0.01] [--strategy basic|random] [--max-trials N]]`:
 * post-training quantization of a hub model, written in hub layout (`DIR/onnx/model_quantized.onnx`
 * beside `config.json` and the tokenizer) so `@huggingface/transformers` loads it with
 * `dtype: "q8"`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Table } from "../display/mod.ts";
import { type Approach, quantizeWorkshopModel } from "../workshop/mod.ts";
import type { CalibrationMethod, QuantFormat } from "../quant/mod.ts";
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
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "deno task quantize --model ID --approach dynamic|static [--method minmax|percentile|entropy]\n" +
        "  [--samples N] [--format qdq|qoperator] [--exclude NODE,...] [--per-tensor] [--out DIR]\n" +
        "  [--tune [--relative-loss 0.01] [--strategy basic|random] [--max-trials N]]",
    );
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
        strategy: oneOf("strategy", values.strategy, ["basic", "random"] as const),
        maxTrials: values["max-trials"] === undefined
          ? undefined
          : positiveNumber("max-trials", values["max-trials"]),
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
