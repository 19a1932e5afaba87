/**
 * `deno task reproduce REPORT.json [--latency-tolerance 0.5] [--import MODULE,…]`: re-runs the
 * run, demo, quantize or prune task that wrote the report (from its manifest; a quantize run's
 * `--import` modules are loaded again from it, `--import` adds others) and prints each figure then
 * and now with its tolerance; exits with status 1 when an input's hash or a figure differs.
 *
 * @module
 */
import { reproduceReport } from "../workshop/mod.ts";
import { parseTaskFlags, positiveNumber, UsageError } from "./flags.ts";
import { importModules } from "./import_modules.ts";
import { runCli } from "./main.ts";

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values, positionals } = parseTaskFlags("reproduce", Deno.args, {
    allowPositionals: true,
    options: {
      "latency-tolerance": { type: "string" },
      import: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      "deno task reproduce REPORT.json [--latency-tolerance 0.5] [--import MODULE,...]\n" +
        "Re-runs the report's task (run, demo, quantize, prune) and compares every figure;\n" +
        "exit status 1 on a difference.\n" +
        "Latency passes within ±tolerance (relative; raise it on a shared machine).\n" +
        "--import: the modules the run was given (e.g. one that registers its tuning strategy).",
    );
    if (!values.help) Deno.exit(2);
    return;
  }
  let latencyTolerance: number | undefined;
  try {
    latencyTolerance = positiveNumber("latency-tolerance", values["latency-tolerance"], {
      example: "0.5",
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(2);
  }
  await importModules(values.import);
  const { ok, table } = await reproduceReport(positionals[0], { latencyTolerance });
  console.log(table.toString());
  if (!ok) {
    console.error("error: the run did not reproduce (rows marked DIFFERS)");
    Deno.exit(1);
  }
}
