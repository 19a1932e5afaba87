/**
 * `deno task run FILE.yaml [--import MODULE,…]`: runs the experiment a YAML config describes —
 * its `technique` (quantization, pruning, distillation, qat, fusion, mixed_precision,
 * weight_only; `lib/workshop/experiment`, examples in `data/recipes/`) — and writes
 * `report.json` with its manifest and the resulting model to the config's `output`. A config
 * that does not validate is refused with the key path and line of each mistake (exit status 2);
 * a training stopped by Ctrl+C writes nothing (exit status 130).
 *
 * @module
 */
import {
  ExperimentConfigError,
  ExperimentStoppedError,
  parseExperimentConfig,
  runExperiment,
  TECHNIQUES,
} from "../workshop/mod.ts";
import { parseTaskFlags } from "./flags.ts";
import { importModules } from "./import_modules.ts";
import { runCli } from "./main.ts";

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values, positionals } = parseTaskFlags("run", Deno.args, {
    allowPositionals: true,
    options: { import: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      "deno task run FILE.yaml [--import MODULE,...]\n" +
        "Runs the experiment FILE.yaml describes (see data/recipes/) and writes OUTPUT/report.json.\n" +
        `technique: ${TECHNIQUES.join(" | ")} (default quantization)`,
    );
    if (!values.help) Deno.exit(2);
    return;
  }
  await importModules(values.import);
  const file = positionals[0];
  let config;
  try {
    config = parseExperimentConfig(await Deno.readTextFile(file), file);
  } catch (error) {
    if (!(error instanceof ExperimentConfigError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(2);
  }
  let ran;
  try {
    ran = await runExperiment(config);
  } catch (error) {
    if (!(error instanceof ExperimentStoppedError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(130); // Ctrl+C stopped the training cleanly; nothing was written
  }
  const { report, dir } = ran;
  console.log(
    `${report.result.message}\nwrote ${dir}/report.json and ${dir}/${report.result.model}`,
  );
}
