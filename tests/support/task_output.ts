/**
 * Test helper: a `deno task` that writes a hub-layout folder, run as a user would against the
 * loopback hub, and that folder opened with transformers.js from disk only.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { env } from "@huggingface/transformers";
import { startHubServer } from "./hub_server.ts";
import { runTask, type TaskResult } from "./run_task.ts";

/** A task's result and where it wrote. */
export interface TaskOutput extends TaskResult {
  /** The `--out` folder: `folder` inside a new temporary folder. */
  out: string;
  /** The hub cache the task filled (a new temporary folder). */
  cache: string;
}

/**
 * Runs `deno task <name> <args> --out <tmp>/<folder>` with a new empty hub cache, the quick
 * profile and `HF_ENDPOINT` at a loopback hub server (stopped afterwards).
 */
export async function runTaskWithOut(
  name: string,
  options: { args: string[]; folder: string },
): Promise<TaskOutput> {
  const cache = await Deno.makeTempDir();
  const out = join(await Deno.makeTempDir(), options.folder);
  const server = await startHubServer();
  try {
    const result = await runTask(name, {
      args: [...options.args, "--out", out],
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache, WORKSHOP_QUICK: "1" },
    });
    return { ...result, out, cache };
  } finally {
    await server.close();
  }
}

/**
 * Runs `body` with transformers.js set to load models only from the folder holding `out` (no
 * network, no browser cache), `basename(out)` being the model id to give it; restores its
 * settings afterwards.
 */
export async function withLocalTransformersJs<T>(
  out: string,
  body: (modelId: string) => Promise<T>,
): Promise<T> {
  const saved = { ...env };
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(out) + "/";
  env.useBrowserCache = false;
  try {
    return await body(basename(out));
  } finally {
    Object.assign(env, saved);
  }
}
