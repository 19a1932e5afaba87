/**
 * `deno task prune --model ID --out DIR [--criterion magnitude|taylor|snip-momentum|group-lasso]
 * [--pattern unstructured|2:4|4:8|4x1|1x4|ffn|head] [--sparsity F | --ffn F --heads F]
 * [--schedule oneshot|gradual] [--finetune-epochs N] [--distill] [--int8 | --tune] [--seed N]`:
 * prunes a hub model on the training engine, fine-tunes it (optionally distilling from the dense
 * model), and writes it in hub layout (`DIR/onnx/model.onnx`, config, tokenizer) with
 * `DIR/report.json` (sparsity per layer, accuracy, F1, agreement, latency, size, the SHA-256 of
 * each variant's predictions and of the model, and the run's manifest for `deno task reproduce`)
 * and `DIR/report.html`. Every flag is checked before any work (`UsageError` or a pruning error
 * naming the flag and the fix).
 *
 * @module
 */
import { Table } from "../display/mod.ts";
import { criterionNames, patternNames } from "../prune/mod.ts";
import { pruneWorkshopModel } from "../workshop/mod.ts";
import { runCli } from "./main.ts";
import { notEmpty, parseTaskFlags, UsageError } from "./flags.ts";

/** The `--help` text. */
export function pruneUsage(): string {
  return "deno task prune --model ID --out DIR [--criterion NAME] [--pattern NAME]\n" +
    "  [--sparsity F | --ffn F --heads F] [--schedule oneshot|gradual] [--finetune-epochs N]\n" +
    "  [--distill] [--int8 | --tune] [--seed N]\n\n" +
    `criteria (--criterion): ${criterionNames().filter((c) => c !== "random").join(", ")}\n` +
    `patterns (--pattern):   ${patternNames().join(", ")}\n` +
    "--sparsity F      fraction of weights pruned (element patterns), in [0, 1)\n" +
    "--ffn F --heads F fractions of FFN units and heads removed in every layer (structured)\n" +
    "--int8            also write onnx/model_quantized.onnx (static INT8); --tune: with the tuner\n" +
    "exit status: 0 done; 1 error";
}

/** The flags of `deno task prune`. */
const PRUNE_FLAGS = {
  options: {
    model: { type: "string" },
    revision: { type: "string" },
    out: { type: "string" },
    criterion: { type: "string" },
    pattern: { type: "string" },
    sparsity: { type: "string" },
    ffn: { type: "string" },
    heads: { type: "string" },
    schedule: { type: "string" },
    "finetune-epochs": { type: "string" },
    distill: { type: "boolean" },
    int8: { type: "boolean" },
    tune: { type: "boolean" },
    seed: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
} as const;

function number(flag: string, value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)} is not a number: give ${what}`);
  }
  return n;
}

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values } = parseTaskFlags("prune", Deno.args, PRUNE_FLAGS);
  if (values.help) {
    console.log(pruneUsage());
    return;
  }
  notEmpty("model", values.model, "pass a hub model id, or leave --model off for WORKSHOP_MODEL");
  notEmpty("out", values.out, "pass the folder to write, or leave --out off for out/pruned");
  notEmpty("pattern", values.pattern, `pass one of ${patternNames().join(", ")}`);
  notEmpty("criterion", values.criterion, `pass one of ${criterionNames().join(", ")}`);
  const schedule = values.schedule;
  if (schedule !== undefined && schedule !== "oneshot" && schedule !== "gradual") {
    throw new UsageError(`--schedule ${schedule} is not one of oneshot, gradual`);
  }
  const result = await pruneWorkshopModel({
    modelId: values.model,
    revision: values.revision,
    outDir: values.out,
    criterion: values.criterion,
    pattern: values.pattern,
    sparsity: number("sparsity", values.sparsity, "a fraction in [0, 1), e.g. 0.5"),
    ffn: number("ffn", values.ffn, "a fraction of FFN units in [0, 1), e.g. 0.5"),
    heads: number("heads", values.heads, "a fraction of heads in [0, 1), e.g. 0.25"),
    schedule,
    finetuneEpochs: number("finetune-epochs", values["finetune-epochs"], "a whole number ≥ 0"),
    distill: values.distill,
    int8: values.tune ? { tune: true } : values.int8,
    seed: number("seed", values.seed, "a whole number"),
  });
  const r = result.report;
  console.log(
    new Table(
      r.variants.map((v) => ({
        variant: v.name,
        accuracy: v.accuracy,
        F1: v.f1,
        agreement: v.agreement,
        "b1 ms": v.latencyMs.b1,
        "b8 ms": v.latencyMs.b8,
        "size MB": v.sizeBytes / 1e6,
      })),
      {
        title: `${r.model}: ${r.criterion}, ${
          r.targets.map((t) => `${t.pattern} ${t.sparsity}`).join(" + ")
        }, sparsity ${r.sparsity.overall.toFixed(3)}, ${r.train.updates} updates`,
      },
    ).toString(),
  );
  console.log(`\nwrote ${result.dir} (onnx/model.onnx, report.json, report.html)`);
}
