/**
 * `deno task demo [--model ID] [--revision REV] [--out DIR]`: the workshop's flagship run.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { runDemo } from "../workshop/mod.ts";
import { runCli } from "./main.ts";

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      model: { type: "string" },
      revision: { type: "string" },
      out: { type: "string", default: "out/demo" },
      help: { type: "boolean", short: "h" },
    },
  });
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
