/**
 * `deno task cache <list|verify|clean> [--fix] [--repo ORG/NAME] [--dataset]`: the hub cache
 * (`HF_HUB_CACHE`, default `data/cache/hub`).
 *
 * - `list`: every cached file with its size;
 * - `verify`: rechecks every file against the size and SHA-256 recorded at download and against
 *   its name (JSON parses, no HTML page, whole parquet/safetensors/ONNX/zip files), and finds
 *   partial files of killed runs; `--fix` removes what is damaged so the next run downloads it
 *   again. Exits 1 when problems remain (none with `--fix`);
 * - `clean`: removes the whole cache, or one repo's files with `--repo`.
 *
 * @module
 */
import { cleanHubCache, hubSettings, listHubCache, verifyHubCache } from "../hub/mod.ts";
import { parseTaskFlags, UsageError } from "./flags.ts";
import { runCli } from "./main.ts";

const USAGE = "deno task cache <list|verify|clean> [--fix] [--repo ORG/NAME] [--dataset]";

/**
 * Runs the cache command on `args`; returns the exit status.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cacheCommand } from "./cache.ts";
 * const cacheDir = await Deno.makeTempDir();
 * assert.equal(await cacheCommand(["verify"], { cacheDir, print: () => {} }), 0);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function cacheCommand(
  args: string[],
  options: { cacheDir?: string; print?: (line: string) => void } = {},
): Promise<number> {
  const print = options.print ?? console.log;
  const { values, positionals } = parseTaskFlags("cache", args, {
    allowPositionals: true,
    options: {
      fix: { type: "boolean" },
      repo: { type: "string" },
      dataset: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    print(USAGE);
    return 0;
  }
  const settings = hubSettings(options.cacheDir ? { cacheDir: options.cacheDir } : {});
  const [command, ...extra] = positionals;
  if (extra.length > 0 || !["list", "verify", "clean"].includes(command ?? "")) {
    throw new UsageError(
      `expected one of list, verify, clean (got ${JSON.stringify(positionals.join(" "))}); ` +
        `usage: ${USAGE}`,
    );
  }
  if (command === "list") {
    const entries = await listHubCache(settings);
    for (const e of entries) {
      print(`${e.repoType} ${e.repo}@${e.revision}  ${e.file}  ${e.size} B  ${e.path}`);
    }
    print(`${entries.length} files in ${settings.cacheDir}`);
    return 0;
  }
  if (command === "verify") {
    const problems = await verifyHubCache(settings, { fix: values.fix });
    for (const p of problems) print(`${p.removed ? "removed" : "damaged"}: ${p.path}: ${p.reason}`);
    if (problems.length === 0) print(`the cache ${settings.cacheDir} is sound`);
    else if (!values.fix) print("run `deno task cache verify --fix` to remove them");
    return problems.length > 0 && !values.fix ? 1 : 0;
  }
  const removed = await cleanHubCache(settings, {
    repo: values.repo,
    repoType: values.dataset ? "dataset" : "model",
  });
  print(removed.length ? `removed ${removed.join(", ")}` : "nothing to remove");
  return 0;
}

if (import.meta.main) {
  await runCli(async () => {
    const status = await cacheCommand(Deno.args);
    if (status !== 0) Deno.exit(status);
  });
}
