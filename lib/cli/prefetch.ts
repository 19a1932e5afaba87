/**
 * `deno task prefetch [--model ID]`: fetches and exports everything the notebooks and tasks need
 * for the workshop model (default `WORKSHOP_MODEL`) into the hub cache, verifies the cache and
 * prints its size. Afterwards run everything with `HF_HUB_OFFLINE=1`.
 *
 * @module
 */
import { prefetchWorkshop } from "../workshop/mod.ts";
import { parseTaskFlags, UsageError } from "./flags.ts";
import { runCli } from "./main.ts";

const USAGE = "deno task prefetch [--model ID]";

/**
 * Runs the prefetch command on `args`; returns the exit status (1 when the cache has problems).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prefetchCommand } from "./prefetch.ts";
 * const lines: string[] = [];
 * assert.equal(await prefetchCommand(["--help"], { print: (l) => lines.push(l) }), 0);
 * assert.match(lines[0], /deno task prefetch/);
 * ```
 */
export async function prefetchCommand(
  args: string[],
  options: { print?: (line: string) => void } = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const { values, positionals } = parseTaskFlags("prefetch", args, {
    allowPositionals: true,
    options: { model: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected ${JSON.stringify(positionals.join(" "))}; usage: ${USAGE}`,
    );
  }
  const result = await prefetchWorkshop({ modelId: values.model, log: print });
  for (const p of result.problems) print(`damaged: ${p.path}: ${p.reason}`);
  if (result.problems.length > 0) {
    print("run `deno task cache verify --fix`, then `deno task prefetch` again");
    return 1;
  }
  print(
    `ready for HF_HUB_OFFLINE=1: ${result.modelId}, ${(result.cacheBytes / 1e6).toFixed(1)} MB ` +
      `in ${result.cacheDir}`,
  );
  return 0;
}

if (import.meta.main) {
  await runCli(async () => {
    const status = await prefetchCommand(Deno.args);
    if (status !== 0) Deno.exit(status);
  });
}
