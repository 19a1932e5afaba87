/**
 * `deno task demo [--model ID] [--revision REV] [--out DIR]`: the workshop's flagship run.
 *
 * @module
 */
import { runDemo } from "../workshop/mod.ts";
import { parseTaskFlags } from "./flags.ts";
import { runCli } from "./main.ts";

if (import.meta.main) await runCli(main);

function parseFlags(args: string[]) {
  return parseTaskFlags("demo", args, {
    options: {
      model: { type: "string" },
      revision: { type: "string" },
      out: { type: "string", default: "out/demo" },
      help: { type: "boolean", short: "h" },
    },
  });
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
