/**
 * `deno task export --model ID --dtypes LIST|all --out DIR [--revision REV] [--limit N]`: writes
 * the transformers.js dtypes of a hub classifier (`onnx/model.onnx`, `model_fp16.onnx`,
 * `model_quantized.onnx`, `model_int8.onnx`, `model_uint8.onnx`, `model_q4.onnx`,
 * `model_q4f16.onnx`, `model_bnb4.onnx`) in hub layout with a `README.md` model card scoring each
 * on MRPC validation; a dtype that cannot be made is listed with the reason instead.
 *
 * @module
 */
import { EXPORT_DTYPES, exportDtypes, parseDtypes } from "../workshop/mod.ts";
import { parseTaskFlags, UsageError, wholeNumber } from "./flags.ts";
import { runCli } from "./main.ts";

/**
 * The `--help` text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportUsage } from "./export.ts";
 * assert.match(exportUsage(), /--dtypes LIST\|all/);
 * assert.match(exportUsage(), /q4f16/);
 * ```
 */
export function exportUsage(): string {
  return "deno task export --model ID --dtypes LIST|all --out DIR [--revision REV] [--limit N]\n" +
    `  dtypes: ${EXPORT_DTYPES.join(", ")}\n` +
    "  --limit N  score on the first N MRPC validation pairs (default all 408)";
}

if (import.meta.main) await runCli(main);

async function main(): Promise<void> {
  const { values } = parseTaskFlags("export", Deno.args, {
    options: {
      model: { type: "string" },
      revision: { type: "string" },
      dtypes: { type: "string", default: "all" },
      out: { type: "string" },
      limit: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(exportUsage());
    return;
  }
  if (!values.model || !values.out) {
    throw new UsageError(`--model and --out are required.\n${exportUsage()}`);
  }
  const limit = wholeNumber("limit", values.limit, "MRPC validation pairs");
  const { dir, card } = await exportDtypes({
    modelId: values.model,
    revision: values.revision,
    dtypes: parseDtypes(values.dtypes),
    out: values.out,
    limit,
    progress: true,
  });
  console.log(card);
  console.log(`written to ${dir}`);
}
