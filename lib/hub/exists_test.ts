import assert from "node:assert/strict";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { closedPort, MINI, TINY_BIN, withHub } from "./_testing.ts";
import { hubDownload } from "./download.ts";
import { HubAuthError, HubHttpError, HubNetworkError } from "./errors.ts";
import { hubFileExists } from "./exists.ts";

Deno.test("hubFileExists tells which weight formats each stand-in repo has, with HEAD requests", async () => {
  await withHub({}, async ({ server, settings, cacheDir }) => {
    const has = (repo: string, file: string) => hubFileExists({ repo, file }, { settings });
    assert.equal(await has(MINI, "onnx/model.onnx"), true);
    assert.equal(await has(MINI, "model.safetensors"), true);
    assert.equal(await has(MINI, "pytorch_model.bin"), false);
    assert.equal(await has(TINY_BIN, "onnx/model.onnx"), false);
    assert.equal(await has(TINY_BIN, "model.safetensors"), false);
    assert.equal(await has(TINY_BIN, "pytorch_model.bin"), true);
    assert.equal(
      await hubFileExists(
        { repo: "nyu-mll/glue", file: "mrpc/test-00000-of-00001.parquet", repoType: "dataset" },
        { settings },
      ),
      true,
    );
    assert.equal(server.requests.length, 7);
    assert.ok(server.requests.every((r) => r.startsWith("HEAD /")), server.requests.join("\n"));
    assert.equal(
      server.requests[6],
      "HEAD /datasets/nyu-mll/glue/resolve/main/mrpc/test-00000-of-00001.parquet",
    );
    for await (const _ of Deno.readDir(cacheDir)) {
      assert.fail("HEAD requests must not write the cache");
    }
  });
});

Deno.test("hubFileExists answers from the cache, and offline says false for what is not cached", async () => {
  await withHub({}, async ({ server, settings }) => {
    await hubDownload({ repo: MINI, file: "config.json" }, { settings, progress: false });
    const requestsBefore = server.requests.length;
    assert.equal(await hubFileExists({ repo: MINI, file: "config.json" }, { settings }), true);
    const offline = { ...settings, offline: true };
    assert.equal(
      await hubFileExists({ repo: MINI, file: "config.json" }, { settings: offline }),
      true,
    );
    assert.equal(
      await hubFileExists({ repo: MINI, file: "vocab.txt" }, { settings: offline }),
      false,
    );
    assert.equal(server.requests.length, requestsBefore);
  });
});

Deno.test("hubFileExists follows redirects and maps 401, other statuses and network errors", async () => {
  const cdn = await startHubServer();
  try {
    await withHub({
      faults: {
        unauthorized: (path) => path.endsWith("/config.json"),
        failStatus: (path) => path.endsWith("/vocab.txt") ? 500 : undefined,
        redirect: (path) => path.endsWith("/model.safetensors") ? `${cdn.url}${path}` : undefined,
      },
    }, async ({ settings }) => {
      assert.equal(
        await hubFileExists({ repo: MINI, file: "model.safetensors" }, { settings }),
        true,
      );
      assert.deepEqual(cdn.requests, [`HEAD /${MINI}/resolve/main/model.safetensors`]);
      await assert.rejects(
        hubFileExists({ repo: MINI, file: "config.json" }, { settings }),
        (error) => {
          assert.ok(error instanceof HubAuthError);
          assert.match(error.message, /HF_TOKEN/);
          return true;
        },
      );
      await assert.rejects(
        hubFileExists({ repo: MINI, file: "vocab.txt" }, { settings }),
        (error) => {
          assert.ok(error instanceof HubHttpError);
          assert.equal(error.status, 500);
          return true;
        },
      );
    });
  } finally {
    await cdn.close();
  }
  const cacheDir = await Deno.makeTempDir();
  try {
    const settings = { endpoint: `http://127.0.0.1:${closedPort()}`, offline: false, cacheDir };
    await assert.rejects(
      hubFileExists({ repo: MINI, file: "config.json" }, { settings }),
      HubNetworkError,
    );
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
