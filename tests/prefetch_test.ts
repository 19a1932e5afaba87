/**
 * An offline-ready venue: `deno task prefetch` against a hub server fills an empty cache; with
 * the server stopped and `HF_HUB_OFFLINE=1`, a task and a notebook then run from the cache alone.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./support/hub_server.ts";
import { PROJECT_ROOT, STANDINS } from "./support/mirror.ts";
import { runTask } from "./support/run_task.ts";
import { extendedTest, JUPYTER, MIRROR } from "./support/extended.ts";
import { executeNotebook } from "../lib/notebook/mod.ts";

async function prefetched(): Promise<{ cache: string; endpoint: string }> {
  const cache = await Deno.makeTempDir();
  const server = await startHubServer();
  try {
    const result = await runTask("prefetch", {
      args: ["--model", STANDINS.mini],
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /mrpc validation: \d+ pairs/);
    assert.match(result.stdout, /verify: the cache is sound/);
    assert.match(result.stdout, /ready for HF_HUB_OFFLINE=1: .*, [\d.]+ MB in /);
    return { cache, endpoint: server.url };
  } finally {
    await server.close(); // from here on, the hub is unreachable
  }
}

Deno.test("deno task prefetch, then deno task quantize with HF_HUB_OFFLINE=1 and the hub stopped", async () => {
  const { cache, endpoint } = await prefetched();
  const out = join(await Deno.makeTempDir(), "int8");
  try {
    const offline = { HF_ENDPOINT: endpoint, HF_HUB_CACHE: cache, HF_HUB_OFFLINE: "1" };
    const result = await runTask("quantize", {
      args: ["--model", STANDINS.mini, "--approach", "dynamic", "--out", out],
      env: { ...offline, WORKSHOP_QUICK: "1" },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await Deno.stat(join(out, "onnx", "model_quantized.onnx"))).size > 0);
    // Without the prefetch the same offline run fails: the cache is what made it work.
    const empty = await Deno.makeTempDir();
    const cold = await runTask("quantize", {
      args: ["--model", STANDINS.mini, "--approach", "dynamic", "--out", `${out}-cold`],
      env: { ...offline, HF_HUB_CACHE: empty, WORKSHOP_QUICK: "1" },
    });
    assert.notEqual(cold.code, 0);
    assert.match(cold.stderr, /HF_HUB_OFFLINE/);
    await Deno.remove(empty, { recursive: true });
  } finally {
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(join(out, ".."), { recursive: true });
  }
});

extendedTest(
  "after prefetch, notebook 00 runs with HF_HUB_OFFLINE=1 and the hub stopped",
  [JUPYTER, MIRROR],
  async () => {
    const { cache, endpoint } = await prefetched();
    try {
      const { notebook } = await executeNotebook(
        join(PROJECT_ROOT, "notebooks", "00_transformers_and_precision.ipynb"),
        {
          env: {
            HF_ENDPOINT: endpoint,
            HF_HUB_CACHE: cache,
            HF_HUB_OFFLINE: "1",
            WORKSHOP_MODEL: STANDINS.mini,
            WORKSHOP_QUICK: "1",
            WORKSHOP_SOLUTIONS: "1",
            WORKSHOP_PROGRESS: "plain",
          },
        },
      );
      const errors = notebook.cells.flatMap((c) => c.outputs ?? [])
        .filter((o) => o.output_type === "error");
      assert.equal(errors.length, 0);
    } finally {
      await Deno.remove(cache, { recursive: true });
    }
  },
);
