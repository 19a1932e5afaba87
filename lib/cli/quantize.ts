/**
 * `deno task quantize --model ID --approach dynamic|static [--method minmax|percentile|entropy]
 * [--samples N] [--format qdq|qoperator] [--exclude NODE,…] [--per-tensor] [--out DIR]
 * [--tune [--relative-loss 0.01] [--strategy NAME] [--max-trials N] [--objective accuracy|latency|
 * size|pareto]] [--import MODULE,…]`:
 * post-training quantization of a hub model, written in hub layout (`DIR/onnx/model_quantized.onnx`
 * beside `config.json` and the tokenizer) so `@huggingface/transformers` loads it with
 * `dtype: "q8"`, with `DIR/report.json` (FP32 and INT8 scored on MRPC validation: accuracy and F1
 * with intervals, agreement, logit error, latency, size, the predictions' SHA-256, the tuner's
 * history when tuned, and the run's manifest for `deno task reproduce`) and `DIR/report.html`.
 * `--strategy` takes any registered tuning strategy (`basic`, `random`, or one a module given with
 * `--import` registers with `registerStrategy`); `--help` lists them. Every flag is checked before
 * any work (`UsageError` naming the flag and the fix); a tuning run that meets no configuration of
 * its criterion exits with status 3 (`EXIT_CRITERION_MISSED`), the best model and the table still
 * written.
 *
 * @module
 */
import { Table } from "../display/mod.ts";
import { type Approach, quantizeWorkshopModel } from "../workshop/mod.ts";
import type { CalibrationMethod, QuantFormat } from "../quant/mod.ts";
import { TUNE_OBJECTIVES, TUNE_STRATEGIES } from "../tune/mod.ts";
import { notEmpty, oneOf, parseTaskFlags, UsageError, wholeNumber } from "./flags.ts";
import { importModules } from "./import_modules.ts";
import { EXIT_CRITERION_MISSED, runCli } from "./main.ts";

function lossFraction(flag: string, value: string): number {
  const n = Number(value);
  if (!(value.trim() !== "" && Number.isFinite(n) && n < 1)) {
    throw new UsageError(
      `--${flag} ${value} must be a fraction of FP32 accuracy below 1, e.g. 0.01 for 1% ` +
        `(a negative one, written --${flag}=-0.01, demands a gain)`,
    );
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
    "exit status: 0 done; 1 error; 3 tuning met no configuration (the best one is written)\n" +
    "tuning strategies (--strategy):\n" +
    strategies.map((s) => `    ${s.name.padEnd(width)}  ${s.description ?? ""}`.trimEnd())
      .join("\n");
}

/** Flags that only make sense with another flag; refused instead of silently ignored. */
function checkCombinations(values: Record<string, string | boolean | undefined>): void {
  const given = (flag: string) => values[flag] !== undefined;
  if (values.approach === "dynamic") {
    const reasons: Record<string, string> = {
      method: "it picks activation ranges from calibration",
      format: "it chooses how static activations are written",
    };
    if (!values.tune) reasons.samples = "it sets the calibration pairs, which --tune also uses";
    for (const [flag, why] of Object.entries(reasons)) {
      if (given(flag)) {
        throw new UsageError(
          `--${flag} is for --approach static only (${why}; dynamic quantization computes ` +
            `activation ranges at run time): drop --${flag} or use --approach static.`,
        );
      }
    }
  }
  if (!values.tune) {
    for (const flag of ["relative-loss", "strategy", "max-trials", "objective"]) {
      if (given(flag)) {
        throw new UsageError(`--${flag} sets the tuner: add --tune, or drop --${flag}.`);
      }
    }
  }
}

function parseFlags(args: string[]) {
  return parseTaskFlags("quantize", args, {
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
}

if (import.meta.main) await runCli(main);

async function main(): Promise<void | number> {
  const { values } = parseFlags(Deno.args);
  const imports = await importModules(values.import);
  if (values.help) {
    console.log(quantizeUsage());
    return;
  }
  const approach = oneOf<Approach>("approach", values.approach, ["dynamic", "static"])!;
  notEmpty("model", values.model, "pass a hub model id, or leave --model off for WORKSHOP_MODEL");
  notEmpty("revision", values.revision, "pass a branch, tag or commit, or leave it off for main");
  notEmpty("out", values.out, "pass the folder to write, or leave --out off for out/quantized/…");
  notEmpty("exclude", values.exclude, "pass node names separated by commas, or drop --exclude");
  checkCombinations(values);
  const samples = wholeNumber("samples", values.samples, "MRPC pairs");
  const maxTrials = wholeNumber("max-trials", values["max-trials"], "trials");
  const result = await quantizeWorkshopModel({
    modelId: values.model,
    revision: values.revision,
    approach,
    method: oneOf<CalibrationMethod>("method", values.method, ["minmax", "percentile", "entropy"]),
    calibrationSamples: samples,
    outDir: values.out,
    report: true,
    imports,
    quant: {
      format: oneOf<QuantFormat>("format", values.format, ["qdq", "qoperator"]),
      excludeNodes: values.exclude?.split(",").map((s) => s.trim()).filter(Boolean),
      perChannel: values["per-tensor"] ? false : undefined,
    },
    tune: values.tune
      ? {
        criterion: values["relative-loss"] === undefined
          ? undefined
          : { relative: lossFraction("relative-loss", values["relative-loss"]) },
        strategy: oneOf("strategy", values.strategy, TUNE_STRATEGIES.names()),
        maxTrials,
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
  const scored = result.reportJson?.results.map((r) =>
    `${r.name}: accuracy ${r.accuracy.toFixed(4)}, F1 ${r.f1.toFixed(4)}` +
    (r.agreement === undefined ? "" : `, agreement ${r.agreement.toFixed(4)}`)
  ).join("\n");
  if (scored) console.log(`\n${scored}`);
  console.log(
    `\nwrote ${result.dir} (onnx/model_quantized.onnx, load with dtype "q8"; report.json, ` +
      "report.html)",
  );
  if (result.tuning && !result.tuning.met) {
    console.error(
      `no configuration met the criterion: wrote the best one found; exit status ` +
        `${EXIT_CRITERION_MISSED} (relax --relative-loss or raise --max-trials)`,
    );
    return EXIT_CRITERION_MISSED;
  }
}
