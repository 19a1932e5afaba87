/**
 * `deno task demo [--model ID] [--revision REV] [--out DIR]`: the workshop's flagship run.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runDemo } from "../workshop/mod.ts";
import { runCli } from "./main.ts";

/** A command-line flag of `deno task demo` is not one it knows. */
export class DemoUsageError extends Error {
  override name = "UsageError";
}

if (import.meta.main) await runCli(main);

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        model: { type: "string" },
        revision: { type: "string" },
        out: { type: "string", default: "out/demo" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new DemoUsageError(`${(error as Error).message}; see deno task demo --help`);
  }
}

async function main(): Promise<void> {
  const { values } = parseFlags(Deno.args);
  if (values.help) {
    console.log(
      "deno task demo [--model ID] [--revision REV] [--out DIR]\n" +
        "Evaluates the model on GLUE MRPC validation and writes DIR/report.json and DIR/report.html.",
    );
  } else {
    const { report, paths } = await runDemo({
      modelId: values.model,
      revision: values.revision,
      outDir: values.out,
    });
    console.log(`\n${report.table().toString()}\n`);
    console.log(`wrote ${paths.json}\n      ${paths.html}`);
  }
}
