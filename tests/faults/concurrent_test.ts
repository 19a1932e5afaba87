/**
 * Concurrent runs: two `deno task quantize` runs sharing one empty cache both succeed, and the
 * cache they fill together is byte-identical to one a single run fills; two runs writing the same
 * `--out` folder at once both succeed and leave it holding one whole run, with no temporary or
 * set-aside folder beside it. Reports are compared by their figures that do not depend on the clock
 * (`runHashes`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_HUB_DIR, startHubServer } from "../support/hub_server.ts";
import { runTask } from "../support/run_task.ts";
import { hashes, runHashes } from "./_support.ts";

const ARGS = ["--model", "fixture/distilbert-tiny-mrpc", "--approach", "static", "--samples", "16"];

async function withHubAndFolder(
  body: (parent: string, env: (cache: string) => Record<string, string>) => Promise<void>,
): Promise<void> {
  const parent = await Deno.makeTempDir({ prefix: "concurrent-" });
  const server = await startHubServer({ root: FIXTURE_HUB_DIR });
  try {
    await body(parent, (cache) => ({
      HF_ENDPOINT: server.url,
      HF_HUB_CACHE: join(parent, cache),
      WORKSHOP_QUICK: "1",
    }));
  } finally {
    await server.close();
    await Deno.remove(parent, { recursive: true });
  }
}

Deno.test("two quantize runs sharing one empty cache both succeed; the cache is byte-identical to a single run's", async () => {
  await withHubAndFolder(async (parent, env) => {
    const single = await runTask("quantize", {
      args: [...ARGS, "--out", join(parent, "single")],
      env: env("cache-single"),
    });
    assert.equal(single.code, 0, single.stderr);
    const [a, b] = await Promise.all(
      ["a", "b"].map((name) =>
        runTask("quantize", { args: [...ARGS, "--out", join(parent, name)], env: env("cache") })
      ),
    );
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const cache = await hashes(join(parent, "cache"));
    assert.ok(Object.keys(cache).some((f) => f.endsWith("model.onnx")), Object.keys(cache).join());
    assert.deepEqual(cache, await hashes(join(parent, "cache-single")));
    const expected = await runHashes(join(parent, "single"));
    assert.deepEqual(await runHashes(join(parent, "a")), expected);
    assert.deepEqual(await runHashes(join(parent, "b")), expected);
  });
});

Deno.test("two quantize runs writing the same --out at once both succeed and leave one whole run", async () => {
  await withHubAndFolder(async (parent, env) => {
    const single = await runTask("quantize", {
      args: [...ARGS, "--out", join(parent, "single")],
      env: env("cache"),
    });
    assert.equal(single.code, 0, single.stderr);
    const out = join(parent, "out");
    const runs = await Promise.all(
      [0, 1].map(() => runTask("quantize", { args: [...ARGS, "--out", out], env: env("cache") })),
    );
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await runHashes(out), await runHashes(join(parent, "single")));
    const names = (await Array.fromAsync(Deno.readDir(parent))).map((e) => e.name).sort();
    assert.deepEqual(names, ["cache", "out", "single"], "no out.tmp-… or out.old-… left");
  });
});
