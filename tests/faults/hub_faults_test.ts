/**
 * Fault injection against the hub client: every way a download can go wrong, with the error the
 * user sees (it names the file and the fix) and what is left in the cache (nothing partial under
 * a final name, earlier files intact).
 */
import assert from "node:assert/strict";
import { extendedTest, MIRROR } from "../support/extended.ts";
import { join } from "node:path";
import {
  CACHE_REPAIR_COMMAND,
  HubAuthError,
  hubCachePath,
  HubCorruptDownloadError,
  hubDownload,
  HubHttpError,
  HubIncompleteDownloadError,
  hubIntegrityPath,
  HubNetworkError,
  HubNotFoundError,
  HubOfflineError,
  type HubSettings,
} from "../../lib/hub/mod.ts";
import { closedPort, mirrorFile, sha256File } from "../../lib/hub/_testing.ts";
import { type HubServer, startHubServer } from "../support/hub_server.ts";
import { withHub } from "../support/with_hub.ts";
import { STANDINS } from "../support/mirror.ts";
import { listFiles, partialFiles, quickRetry, tempMirror } from "./_support.ts";

const MINI = STANDINS.mini;
const MINI_DIR = `models--${MINI.replace("/", "--")}`;
const CONFIG = { repo: MINI, file: "config.json" };
const ONNX = { repo: MINI, file: "onnx/model.onnx" };

/** Downloads `config.json` first so each test can check that earlier files stay intact. */
async function withCachedConfig(settings: HubSettings): Promise<{ path: string; sha: string }> {
  const path = await hubDownload(CONFIG, { settings, progress: false });
  return { path, sha: await sha256File(path) };
}

/** `path` holds the bytes of the mini stand-in's `file` on the server's mirror. */
async function assertMirrorBytes(server: HubServer, path: string, file: string) {
  assert.equal(await sha256File(path), await sha256File(mirrorFile(server, MINI, file)));
}

async function assertOnlyConfigCached(cacheDir: string, before: { path: string; sha: string }) {
  assert.deepEqual(await listFiles(cacheDir), [
    `${MINI_DIR}/integrity/main/config.json.json`,
    `${MINI_DIR}/snapshots/main/config.json`,
  ]);
  assert.equal(await sha256File(before.path), before.sha, "the earlier file is intact");
}

Deno.test("404: HubNotFoundError names repo, file, revision and the fix; nothing cached", async () => {
  await withHub({}, async ({ settings, cacheDir }) => {
    const error = await hubDownload({ repo: MINI, file: "nope.json" }, {
      settings,
      progress: false,
    })
      .catch((e) => e);
    assert.ok(error instanceof HubNotFoundError, String(error));
    assert.match(error.message, /nope\.json at revision main not found.*check the model id/);
    assert.deepEqual(await listFiles(cacheDir), []);
  });
});

Deno.test("401: HubAuthError says to set HF_TOKEN; earlier files intact", async () => {
  await withHub(
    { faults: { unauthorized: (path) => path.endsWith("tokenizer.json") } },
    async ({ settings, cacheDir }) => {
      const before = await withCachedConfig(settings);
      const error = await hubDownload({ repo: MINI, file: "tokenizer.json" }, {
        settings,
        progress: false,
      }).catch((e) => e);
      assert.ok(error instanceof HubAuthError, String(error));
      assert.match(error.message, /Set HF_TOKEN/);
      await assertOnlyConfigCached(cacheDir, before);
    },
  );
});

Deno.test("a lasting 500: four tries with backoff, then HubHttpError; nothing cached", async () => {
  await withHub({ faults: { failStatus: () => 500 } }, async ({ server, settings, cacheDir }) => {
    const { retry, retries } = quickRetry();
    const error = await hubDownload(CONFIG, { settings, progress: false, retry }).catch((e) => e);
    assert.ok(error instanceof HubHttpError, String(error));
    assert.equal(error.status, 500);
    assert.match(error.message, /config\.json at revision main/);
    assert.equal(server.requests.length, 4);
    assert.deepEqual(retries.map((r) => r.delayMs), [5, 10, 20]);
    assert.deepEqual(await listFiles(cacheDir), []);
  });
});

Deno.test("503 twice, then the file: the download succeeds after two retries", async () => {
  await withHub(
    { faults: { flaky: { status: 503, times: 2 } } },
    async ({ server, settings }) => {
      const { retry, retries } = quickRetry();
      const path = await hubDownload(CONFIG, { settings, progress: false, retry });
      assert.equal(retries.length, 2);
      assert.equal(server.requests.length, 3);
      await assertMirrorBytes(server, path, CONFIG.file);
    },
  );
});

Deno.test("429 with Retry-After: 1 waits the second the hub asked for, then succeeds", async () => {
  await withHub(
    { faults: { flaky: { status: 429, times: 1, retryAfter: "1" } } },
    async ({ server, settings }) => {
      const { retry, retries } = quickRetry();
      const started = performance.now();
      const path = await hubDownload(CONFIG, { settings, progress: false, retry });
      assert.deepEqual(retries.map((r) => r.delayMs), [1000]);
      assert.ok(performance.now() - started >= 990, "waited for Retry-After");
      await assertMirrorBytes(server, path, CONFIG.file);
    },
  );
});

Deno.test("429 with a Retry-After of an hour fails at once, naming the status", async () => {
  await withHub(
    { faults: { flaky: { status: 429, times: 5, retryAfter: "3600" } } },
    async ({ server, settings, cacheDir }) => {
      const { retry, retries } = quickRetry();
      const error = await hubDownload(CONFIG, { settings, progress: false, retry }).catch((e) => e);
      assert.ok(error instanceof HubHttpError, String(error));
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 3_600_000);
      assert.equal(retries.length, 0);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(await listFiles(cacheDir), []);
    },
  );
});

extendedTest(
  "a connection cut mid-body on every try: HubIncompleteDownloadError, earlier files intact",
  MIRROR,
  async () => {
    await withHub(
      { faults: { cutAfterBytes: 1_000_000, cutPaths: (p) => p.endsWith(".onnx") } },
      async ({ settings, cacheDir }) => {
        const before = await withCachedConfig(settings);
        const { retry, retries } = quickRetry();
        const error = await hubDownload(ONNX, { settings, progress: false, retry }).catch((e) => e);
        assert.ok(error instanceof HubIncompleteDownloadError, String(error));
        assert.equal(error.received, 1_000_000);
        assert.match(error.message, /nothing was kept in the cache; run again to retry/);
        assert.equal(retries.length, 3);
        await assertOnlyConfigCached(cacheDir, before);
      },
    );
  },
);

extendedTest(
  "a connection cut once, then whole: the retry stores the right bytes",
  MIRROR,
  async () => {
    await withHub(
      { faults: { cutAfterBytes: 500_000, cutTimes: 1 } },
      async ({ server, settings, cacheDir }) => {
        const { retry, retries } = quickRetry();
        const path = await hubDownload(ONNX, { settings, progress: false, retry });
        assert.equal(retries.length, 1);
        assert.ok(retries[0].error instanceof HubIncompleteDownloadError);
        await assertMirrorBytes(server, path, ONNX.file);
        assert.deepEqual(await partialFiles(cacheDir), []);
      },
    );
  },
);

extendedTest(
  "a body cut short without Content-Length is caught by the hub's X-Linked-Size",
  MIRROR,
  async () => {
    await withHub(
      {
        faults: {
          hubHeaders: true,
          omitContentLength: (p) => p.endsWith(".onnx"),
          cutAfterBytes: 2_000_000,
          cutPaths: (p) => p.endsWith(".onnx"),
        },
      },
      async ({ settings, cacheDir }) => {
        const before = await withCachedConfig(settings);
        const { retry } = quickRetry();
        const error = await hubDownload(ONNX, { settings, progress: false, retry }).catch((e) => e);
        assert.ok(error instanceof HubIncompleteDownloadError, String(error));
        assert.equal(error.received, 2_000_000);
        assert.equal(error.expected, 44_778_193);
        await assertOnlyConfigCached(cacheDir, before);
      },
    );
  },
);

extendedTest(
  "a body cut short without Content-Length or hash: the content check refuses it",
  MIRROR,
  async (t) => {
    const zip = await Deno.readFile(
      new URL("../../data/fixtures/torch/tiny_zip.pt", import.meta.url),
    );
    const root = await tempMirror({ "local/zipped@main:pytorch_model.bin": zip });
    const cases: [string, { repo: string; file: string; repoType?: "dataset" }, number, RegExp][] =
      [
        ["config.json", CONFIG, 60, /not valid JSON/],
        ["onnx/model.onnx", ONNX, 3_000_000, /truncated: field 7 at byte \d+ needs/],
        [
          "model.safetensors",
          { repo: MINI, file: "model.safetensors" },
          1_000_000,
          /tensors end at/,
        ],
        [
          "parquet",
          {
            repo: "nyu-mll/glue",
            file: "mrpc/validation-00000-of-00001.parquet",
            repoType: "dataset",
          },
          30_000,
          /parquet marker PAR1/,
        ],
        [
          "zip pytorch_model.bin",
          { repo: "local/zipped", file: "pytorch_model.bin" },
          900,
          /end record/,
        ],
      ];
    for (const [label, ref, cut, pattern] of cases) {
      await t.step(label, async () => {
        const options = {
          root: ref.repo === "local/zipped" ? root : undefined,
          faults: { omitContentLength: () => true, cutAfterBytes: cut },
        };
        await withHub(options, async ({ settings, cacheDir }) => {
          const { retry, retries } = quickRetry();
          const error = await hubDownload(ref, { settings, progress: false, retry })
            .catch((e) => e);
          assert.ok(error instanceof HubCorruptDownloadError, `${label}: ${error}`);
          assert.match(error.message, pattern);
          assert.match(error.message, /Nothing was kept in the cache\. Run again to retry/);
          assert.equal(retries.length, 3, "a bad body is retried");
          assert.deepEqual(await listFiles(cacheDir), []);
        });
      });
    }
    await Deno.remove(root, { recursive: true });
  },
);

extendedTest(
  "an HTML page answered with 200 for config.json is refused at once and never cached",
  MIRROR,
  async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
    try {
      const proxy = await startHubServer({ faults: { htmlBody: () => true } });
      const settings = { endpoint: proxy.url, offline: false, cacheDir };
      const error = await hubDownload(CONFIG, {
        settings,
        progress: false,
        retry: quickRetry().retry,
      })
        .catch((e) => e);
      await proxy.close();
      assert.ok(error instanceof HubCorruptDownloadError, String(error));
      assert.match(error.message, /an HTML page \(Content-Type text\/html; charset=utf-8\)/);
      assert.match(error.message, /point HF_ENDPOINT at a mirror/);
      assert.equal(proxy.requests.length, 1, "an HTML page is not retried");
      assert.deepEqual(await listFiles(cacheDir), []);
      // The same cache against a good hub: nothing poisoned it.
      const good = await startHubServer();
      try {
        const path = await hubDownload(CONFIG, {
          settings: { ...settings, endpoint: good.url },
          progress: false,
        });
        assert.equal(JSON.parse(await Deno.readTextFile(path)).dim, 256);
      } finally {
        await good.close();
      }
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("an HTML page sent as application/octet-stream for an .onnx file is sniffed and refused", async () => {
  await withHub(
    { faults: { htmlBody: () => true, htmlContentType: "application/octet-stream" } },
    async ({ settings, cacheDir }) => {
      const error = await hubDownload(ONNX, {
        settings,
        progress: false,
        retry: quickRetry().retry,
      })
        .catch((e) => e);
      assert.ok(error instanceof HubCorruptDownloadError, String(error));
      assert.match(error.message, /onnx\/model\.onnx.*it is an HTML page/);
      assert.equal(error.transient, false);
      assert.deepEqual(await listFiles(cacheDir), []);
    },
  );
});

Deno.test("a body that differs from the hub's X-Linked-Etag (SHA-256) is refused", async () => {
  await withHub(
    { faults: { hubHeaders: true, corruptBody: (p) => p.endsWith(".onnx") } },
    async ({ settings, cacheDir }) => {
      const before = await withCachedConfig(settings);
      const error = await hubDownload(ONNX, {
        settings,
        progress: false,
        retry: quickRetry().retry,
      })
        .catch((e) => e);
      assert.ok(error instanceof HubCorruptDownloadError, String(error));
      assert.match(error.message, /its SHA-256 [0-9a-f]{64} differs from the hub's [0-9a-f]{64}/);
      await assertOnlyConfigCached(cacheDir, before);
    },
  );
});

Deno.test("a small file that differs from the hub's ETag (git blob id) is refused", async () => {
  await withHub(
    { faults: { hubHeaders: true, corruptBody: (p) => p.endsWith("tokenizer_config.json") } },
    async ({ settings, cacheDir }) => {
      const error = await hubDownload({ repo: MINI, file: "tokenizer_config.json" }, {
        settings,
        progress: false,
        retry: quickRetry().retry,
      }).catch((e) => e);
      assert.ok(error instanceof HubCorruptDownloadError, String(error));
      assert.match(error.message, /git blob id [0-9a-f]{40} differs from the hub's ETag/);
      assert.deepEqual(await listFiles(cacheDir), []);
    },
  );
});

extendedTest(
  "a good download is checked against the hub's hashes and its record kept",
  MIRROR,
  async () => {
    await withHub({ faults: { hubHeaders: true } }, async ({ server, settings }) => {
      const path = await hubDownload(ONNX, { settings, progress: false });
      const record = JSON.parse(await Deno.readTextFile(hubIntegrityPath(ONNX, settings)));
      const sha = await sha256File(mirrorFile(server, MINI, ONNX.file));
      assert.deepEqual(record, {
        file: "onnx/model.onnx",
        size: 44_778_193,
        sha256: sha,
        checked: ["X-Linked-Size", "X-Linked-Etag", "content"],
      });
      assert.equal(await sha256File(path), sha);
      await hubDownload(CONFIG, { settings, progress: false });
      const config = JSON.parse(await Deno.readTextFile(hubIntegrityPath(CONFIG, settings)));
      assert.deepEqual(config.checked, ["Content-Length", "ETag (git blob id)", "content"]);
    });
  },
);

Deno.test("offline and not cached: HubOfflineError names the cache path and the fix, no request", async () => {
  await withHub({}, async ({ server, settings, cacheDir }) => {
    const error = await hubDownload(CONFIG, {
      settings: { ...settings, offline: true },
      progress: false,
    }).catch((e) => e);
    assert.ok(error instanceof HubOfflineError, String(error));
    assert.equal(error.cachePath, hubCachePath(CONFIG, settings));
    assert.match(error.message, /HF_HUB_OFFLINE is set.*unset HF_HUB_OFFLINE/);
    assert.deepEqual(server.requests, []);
    assert.deepEqual(await listFiles(cacheDir), []);
  });
});

Deno.test("an unreachable endpoint fails at once (no retries) naming it and the fix", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  try {
    const endpoint = `http://127.0.0.1:${closedPort()}`;
    const { retry, retries } = quickRetry();
    const started = performance.now();
    const error = await hubDownload(CONFIG, {
      settings: { endpoint, offline: false, cacheDir },
      progress: false,
      retry,
    }).catch((e) => e);
    assert.ok(error instanceof HubNetworkError, String(error));
    assert.ok(error.message.includes(`cannot reach ${endpoint}`));
    assert.match(error.message, /HF_HUB_OFFLINE=1.*HF_ENDPOINT/);
    assert.equal(retries.length, 0);
    assert.ok(performance.now() - started < 5000);
    assert.deepEqual(await listFiles(cacheDir), []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("deno task demo without network and with an empty cache: one named error line, no stack", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  try {
    const endpoint = `http://127.0.0.1:${closedPort()}`;
    const started = performance.now();
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "lib/cli/demo.ts"],
      cwd: new URL("../..", import.meta.url),
      env: { HF_ENDPOINT: endpoint, HF_HUB_CACHE: cacheDir, NO_COLOR: "1", WORKSHOP_QUICK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1, stderr);
    assert.ok(performance.now() - started < 60_000);
    assert.match(stderr, /^error: HubNetworkError: cannot reach http:\/\/127\.0\.0\.1:\d+ /m);
    assert.match(stderr, /set HF_HUB_OFFLINE=1.*point HF_ENDPOINT at a reachable mirror/);
    assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
    assert.deepEqual(await partialFiles(cacheDir), []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("partial files of a killed run are swept on the next run; a fresh one is left alone", async () => {
  await withHub({}, async ({ settings, cacheDir }) => {
    const folder = join(cacheDir, MINI_DIR, "snapshots", "main", "onnx");
    await Deno.mkdir(folder, { recursive: true });
    const stale = join(folder, ".model.onnx.tmp-old123");
    const fresh = join(folder, ".model.onnx.tmp-new456");
    await Deno.writeFile(stale, new Uint8Array(1000));
    await Deno.writeFile(fresh, new Uint8Array(1000));
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await Deno.utime(stale, twoHoursAgo, twoHoursAgo);
    await hubDownload(CONFIG, { settings, progress: false });
    const files = await listFiles(cacheDir);
    assert.ok(!files.some((f) => f.endsWith("tmp-old123")), files.join(", "));
    assert.ok(files.some((f) => f.endsWith("tmp-new456")), "another run may still write it");
  });
});

Deno.test("SIGTERM during a download removes the partial file and exits with 143", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  const server = await startHubServer({ faults: { stallAfterBytes: 100_000 } });
  try {
    const code = `
      import { hubDownload } from ${
      JSON.stringify(new URL("../../lib/hub/mod.ts", import.meta.url).href)
    };
      await hubDownload({ repo: ${
      JSON.stringify(MINI)
    }, file: "onnx/model.onnx" }, { progress: false });
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cacheDir, NO_COLOR: "1" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    const until = Date.now() + 20_000;
    while ((await partialFiles(cacheDir)).length === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await partialFiles(cacheDir)).length, 1, "the download started");
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 143);
    assert.deepEqual(await listFiles(cacheDir), []);
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("gpt2@main onnx/config.json and gpt2/main@onnx config.json are two cache files", async () => {
  const root = await tempMirror({
    "gpt2@main:onnx/config.json": '{"which": "gpt2 at main"}',
    "gpt2/main@onnx:config.json": '{"which": "gpt2/main at onnx"}',
  });
  try {
    await withHub({ root }, async ({ settings }) => {
      const a = await hubDownload({ repo: "gpt2", file: "onnx/config.json" }, {
        settings,
        progress: false,
      });
      const b = await hubDownload({ repo: "gpt2/main", revision: "onnx", file: "config.json" }, {
        settings,
        progress: false,
      });
      assert.notEqual(a, b);
      assert.equal(JSON.parse(await Deno.readTextFile(a)).which, "gpt2 at main");
      assert.equal(JSON.parse(await Deno.readTextFile(b)).which, "gpt2/main at onnx");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("two runs sharing one cache concurrently both succeed with byte-identical files", async () => {
  await withHub({}, async ({ server, cacheDir }) => {
    const files = ["config.json", "tokenizer.json", "onnx/model.onnx", "model.safetensors"];
    const code = `
      import { hubDownload } from ${
      JSON.stringify(new URL("../../lib/hub/mod.ts", import.meta.url).href)
    };
      const files = ${JSON.stringify(files)};
      const paths = await Promise.all(files.map((file) =>
        hubDownload({ repo: ${JSON.stringify(MINI)}, file }, { progress: false })));
      console.log(JSON.stringify(paths));
    `;
    const run = () =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", code],
        env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cacheDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const [one, two] = await Promise.all([run(), run()]);
    for (const out of [one, two]) {
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    }
    const paths = JSON.parse(new TextDecoder().decode(one.stdout));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(two.stdout)), paths);
    for (const [i, file] of files.entries()) {
      await assertMirrorBytes(server, paths[i], file);
    }
    assert.deepEqual(await partialFiles(cacheDir), []);
    assert.equal(CACHE_REPAIR_COMMAND, "deno task cache verify --fix");
  });
});
