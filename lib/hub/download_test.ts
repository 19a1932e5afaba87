import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultHubMirrorDir, startHubServer } from "../../tests/support/hub_server.ts";
import {
  closedPort,
  listFiles,
  MINI,
  mirrorFile,
  recordingProgress,
  sha256File,
  TINY_BIN,
  waitFor,
  withHub,
} from "./_testing.ts";
import { hubDownload } from "./download.ts";
import {
  HubAbortedError,
  HubAuthError,
  HubError,
  HubHttpError,
  HubIncompleteDownloadError,
  HubNetworkError,
  HubNotFoundError,
  HubOfflineError,
  InvalidHubFileNameError,
  InvalidRepoIdError,
  InvalidRevisionError,
} from "./errors.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

/** Size of the hub's ONNX file (44,778,193 bytes for the mirror's stand-in). */
const ONNX_SIZE =
  (await Deno.stat(join(defaultHubMirrorDir(), MINI, "resolve/main/onnx/model.onnx")))
    .size;
const MINI_DIR = `models--${MINI.replace("/", "--")}`;

Deno.test("hubDownload stores the mirror's bytes in the cache layout, with progress, then hits the cache", async () => {
  await withHub({}, async ({ server, settings, cacheDir }) => {
    const { factory, records } = recordingProgress();
    const path = await hubDownload({ repo: MINI, file: "onnx/model.onnx" }, {
      settings,
      progress: factory,
    });
    assert.equal(path, join(cacheDir, MINI_DIR, "snapshots", "main", "onnx", "model.onnx"));
    const mirror = mirrorFile(server, MINI, "onnx/model.onnx");
    assert.equal((await Deno.stat(path)).size, ONNX_SIZE);
    assert.equal(await sha256File(path), await sha256File(mirror));
    assert.equal(records.length, 1);
    assert.equal(records[0].options.total, ONNX_SIZE);
    assert.equal(records[0].options.unit, "B");
    assert.equal(records[0].ticked, ONNX_SIZE);
    assert.ok(records[0].ticks > 1, `${records[0].ticks} ticks`);
    assert.equal(records[0].done, 1);
    assert.deepEqual(records[0].failed, []);
    assert.deepEqual(server.requests, [`GET /${MINI}/resolve/main/onnx/model.onnx`]);

    const again = await hubDownload({ repo: MINI, file: "onnx/model.onnx" }, {
      settings,
      progress: factory,
    });
    assert.equal(again, path);
    assert.equal(server.requests.length, 1, "a cached file is returned without a request");
    assert.equal(records.length, 1);
    assert.deepEqual(await listFiles(cacheDir), [
      `${MINI_DIR}/integrity/main/onnx/model.onnx.json`,
      `${MINI_DIR}/snapshots/main/onnx/model.onnx`,
    ]);
  });
});

extendedTest(
  "hubDownload of a dataset file uses the datasets/ URL and cache layout",
  MIRROR,
  async () => {
    await withHub({}, async ({ server, settings, cacheDir }) => {
      const file = "mrpc/validation-00000-of-00001.parquet";
      const path = await hubDownload(
        { repo: "nyu-mll/glue", file, repoType: "dataset" },
        { settings, progress: false },
      );
      assert.equal(
        path,
        join(
          cacheDir,
          "datasets--nyu-mll--glue",
          "snapshots",
          "main",
          "mrpc",
          "validation-00000-of-00001.parquet",
        ),
      );
      assert.deepEqual(server.requests, [`GET /datasets/nyu-mll/glue/resolve/main/${file}`]);
      const mirror = join(
        server.root,
        "datasets",
        "nyu-mll",
        "glue",
        "resolve",
        "main",
        ...file.split("/"),
      );
      assert.equal((await Deno.stat(path)).size, 70_747);
      assert.equal(await sha256File(path), await sha256File(mirror));
    });
  },
);

Deno.test("with HF_HUB_OFFLINE=1 a cached file is served with the server gone; a missing one fails with the fix", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
  try {
    const server = await startHubServer();
    const settings = { endpoint: server.url, offline: false, cacheDir };
    const first = await hubDownload({ repo: TINY_BIN, file: "config.json" }, {
      settings,
      progress: false,
    });
    await server.close();

    // A separate process, configured only by the environment as a notebook user would be.
    const code = `
      import { hubDownload } from ${JSON.stringify(new URL("./download.ts", import.meta.url).href)};
      const path = await hubDownload({ repo: ${JSON.stringify(TINY_BIN)}, file: "config.json" });
      console.log(JSON.stringify({ path }));
      try {
        await hubDownload({ repo: ${JSON.stringify(TINY_BIN)}, file: "vocab.txt" });
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, message: error.message }));
      }
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      cwd: new URL("../..", import.meta.url),
      env: {
        HF_HUB_OFFLINE: "1",
        HF_HUB_CACHE: cacheDir,
        HF_ENDPOINT: settings.endpoint, // closed: any request would fail with HubNetworkError
        NO_COLOR: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const [hit, miss] = new TextDecoder().decode(output.stdout).trim().split("\n").map((line) =>
      JSON.parse(line)
    );
    assert.equal(hit.path, first);
    assert.equal(miss.name, "HubOfflineError");
    assert.match(miss.message, new RegExp(`${TINY_BIN}, file vocab\\.txt at revision main`));
    assert.match(miss.message, /HF_HUB_OFFLINE is set/);
    assert.match(miss.message, /point HF_ENDPOINT at a mirror/);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("offline and not cached: HubOfflineError before any request", async () => {
  await withHub({}, async ({ server, settings, cacheDir }) => {
    const error = await hubDownload(
      { repo: MINI, file: "tokenizer.json" },
      { settings: { ...settings, offline: true }, progress: false },
    ).catch((e) => e);
    assert.ok(error instanceof HubOfflineError);
    assert.ok(error instanceof HubError);
    assert.equal(error.ref.file, "tokenizer.json");
    assert.equal(
      error.cachePath,
      join(cacheDir, MINI_DIR, "snapshots", "main", "tokenizer.json"),
    );
    assert.deepEqual(server.requests, []);
  });
});

Deno.test("404: HubNotFoundError names repo, file, revision and endpoint; nothing cached", async () => {
  await withHub({}, async ({ server, settings, cacheDir }) => {
    const error = await hubDownload(
      { repo: TINY_BIN, file: "onnx/model.onnx" },
      { settings, progress: false },
    ).catch((e) => e);
    assert.ok(error instanceof HubNotFoundError, String(error));
    assert.equal(
      error.message,
      `repo ${TINY_BIN} or file onnx/model.onnx at revision main not found on ${server.url} ` +
        `(HTTP 404 for ${server.url}/${TINY_BIN}/resolve/main/onnx/model.onnx): ` +
        "check the model id, the revision and the file name",
    );
    const missingRevision = await hubDownload(
      { repo: TINY_BIN, file: "config.json", revision: "v9.9" },
      { settings, progress: false },
    ).catch((e) => e);
    assert.ok(missingRevision instanceof HubNotFoundError);
    assert.match(missingRevision.message, /at revision v9\.9 not found/);
    assert.deepEqual(await listFiles(cacheDir), []);
  });
});

Deno.test("401: HubAuthError says to set HF_TOKEN; a refused token is named as such", async () => {
  await withHub(
    { faults: { unauthorized: (path) => path.startsWith(`/${MINI}/`) } },
    async ({ settings, cacheDir }) => {
      const error = await hubDownload({ repo: MINI, file: "config.json" }, {
        settings,
        progress: false,
      })
        .catch((e) => e);
      assert.ok(error instanceof HubAuthError, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.tokenSent, false);
      assert.match(error.message, /gated or private/);
      assert.match(error.message, /Set HF_TOKEN/);
      const withToken = await hubDownload(
        { repo: MINI, file: "config.json" },
        { settings: { ...settings, token: "hf_wrong" }, progress: false },
      ).catch((e) => e);
      assert.ok(withToken instanceof HubAuthError);
      assert.equal(withToken.tokenSent, true);
      assert.match(withToken.message, /token in HF_TOKEN was sent and refused/);
      assert.deepEqual(await listFiles(cacheDir), []);
    },
  );
});

Deno.test("the token is sent as a Bearer header to the endpoint", async () => {
  await withHub({ faults: { requireToken: "hf_secret" } }, async ({ server, settings }) => {
    const path = await hubDownload(
      { repo: MINI, file: "config.json" },
      { settings: { ...settings, token: "hf_secret" }, progress: false },
    );
    const served = join(defaultHubMirrorDir(), MINI, "resolve/main/config.json");
    assert.equal(
      JSON.parse(await Deno.readTextFile(path)).n_layers,
      JSON.parse(await Deno.readTextFile(served)).n_layers,
    );
    assert.deepEqual(server.log, [{
      method: "GET",
      path: `/${MINI}/resolve/main/config.json`,
      authorization: "Bearer hf_secret",
    }]);
  });
});

extendedTest("redirects are followed; the token never goes to another host", MIRROR, async () => {
  const cdn = await startHubServer();
  try {
    await withHub({
      faults: {
        redirect: (path) =>
          path.endsWith("/model.safetensors")
            ? `${cdn.url}${path}` // another origin, like the hub's CDN
            : path === `/${MINI}/resolve/main/vocab.txt`
            ? `/${TINY_BIN}/resolve/main/vocab.txt` // same origin, relative Location
            : undefined,
      },
    }, async ({ server, settings }) => {
      const auth = { ...settings, token: "hf_secret" };
      const weights = await hubDownload({ repo: MINI, file: "model.safetensors" }, {
        settings: auth,
        progress: false,
      });
      assert.equal(
        await sha256File(weights),
        await sha256File(mirrorFile(server, MINI, "model.safetensors")),
      );
      const vocab = await hubDownload({ repo: MINI, file: "vocab.txt" }, {
        settings: auth,
        progress: false,
      });
      assert.equal((await Deno.stat(vocab)).size, 231_508);
      assert.deepEqual(server.log.map((r) => `${r.path} ${r.authorization}`), [
        `/${MINI}/resolve/main/model.safetensors Bearer hf_secret`,
        `/${MINI}/resolve/main/vocab.txt Bearer hf_secret`,
        `/${TINY_BIN}/resolve/main/vocab.txt Bearer hf_secret`,
      ]);
      assert.deepEqual(cdn.log, [{
        method: "GET",
        path: `/${MINI}/resolve/main/model.safetensors`,
        authorization: null,
      }]);
    });
  } finally {
    await cdn.close();
  }
});

extendedTest(
  "server killed mid-download: HubIncompleteDownloadError, nothing left, next download succeeds",
  MIRROR,
  async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
    try {
      const broken = await startHubServer({ faults: { cutAfterBytes: 1_000_000 } });
      const { factory, records } = recordingProgress();
      const error = await hubDownload(
        { repo: MINI, file: "onnx/model.onnx" },
        { settings: { endpoint: broken.url, offline: false, cacheDir }, progress: factory },
      ).catch((e) => e);
      await broken.close();
      assert.ok(error instanceof HubIncompleteDownloadError, String(error));
      assert.equal(error.received, 1_000_000);
      assert.equal(error.expected, ONNX_SIZE);
      assert.match(error.message, new RegExp(`stopped after 1000000 of ${ONNX_SIZE} bytes`));
      assert.match(error.message, /nothing was kept in the cache/);
      assert.equal(records[0].failed.length, 1);
      assert.equal(records[0].done, 0);
      assert.deepEqual(await listFiles(cacheDir), []);

      const healthy = await startHubServer();
      try {
        const path = await hubDownload(
          { repo: MINI, file: "onnx/model.onnx" },
          { settings: { endpoint: healthy.url, offline: false, cacheDir }, progress: false },
        );
        assert.equal(
          await sha256File(path),
          await sha256File(mirrorFile(healthy, MINI, "onnx/model.onnx")),
        );
        assert.deepEqual(await listFiles(cacheDir), [
          `${MINI_DIR}/integrity/main/onnx/model.onnx.json`,
          `${MINI_DIR}/snapshots/main/onnx/model.onnx`,
        ]);
      } finally {
        await healthy.close();
      }
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

extendedTest(
  "server closed while a transfer hangs: error, and no partial file remains",
  MIRROR,
  async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
    try {
      const server = await startHubServer({ faults: { stallAfterBytes: 300_000 } });
      const download = hubDownload(
        { repo: TINY_BIN, file: "pytorch_model.bin" },
        {
          settings: { endpoint: server.url, offline: false, cacheDir },
          progress: false,
          retry: { attempts: 1 }, // a retry would meet the closed server (HubNetworkError)
        },
      ).catch((e) => e);
      await waitFor(async () => (await listFiles(cacheDir)).some((f) => f.includes(".tmp-")));
      const [partial] = await listFiles(cacheDir);
      assert.match(
        partial,
        /^models--standin--distilbert-tiny-uncased-mrpc-bin\/snapshots\/main\/\.pytorch_model\.bin\.tmp-/,
      );
      await server.close();
      const error = await download;
      assert.ok(error instanceof HubIncompleteDownloadError, String(error));
      assert.equal(error.received, 300_000);
      assert.equal(error.expected, 8_368_216);
      assert.deepEqual(await listFiles(cacheDir), []);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("an AbortSignal stops the download: HubAbortedError, and no partial file remains", async () => {
  await withHub({ faults: { stallAfterBytes: 65_536 } }, async ({ settings, cacheDir }) => {
    const controller = new AbortController();
    const download = hubDownload(
      { repo: TINY_BIN, file: "pytorch_model.bin" },
      { settings, progress: false, signal: controller.signal },
    ).catch((e) => e);
    await waitFor(async () => (await listFiles(cacheDir)).length === 1);
    controller.abort();
    const error = await download;
    assert.ok(error instanceof HubAbortedError, String(error));
    assert.match(error.message, /pytorch_model\.bin at revision main aborted: nothing was kept/);
    assert.deepEqual(await listFiles(cacheDir), []);
    const before = await hubDownload(
      { repo: TINY_BIN, file: "config.json" },
      { settings, progress: false, signal: AbortSignal.abort() },
    ).catch((e) => e);
    assert.ok(before instanceof HubAbortedError, String(before));
  });
});

Deno.test("Ctrl+C during a download removes the partial file and exits with 130", async () => {
  await withHub({ faults: { stallAfterBytes: 65_536 } }, async ({ settings, cacheDir }) => {
    const code = `
      import { hubDownload } from ${JSON.stringify(new URL("./download.ts", import.meta.url).href)};
      await hubDownload({ repo: ${
      JSON.stringify(TINY_BIN)
    }, file: "pytorch_model.bin" }, { progress: false });
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      cwd: new URL("../..", import.meta.url),
      env: { HF_ENDPOINT: settings.endpoint, HF_HUB_CACHE: cacheDir, HF_HUB_OFFLINE: "0" },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await waitFor(async () => (await listFiles(cacheDir)).length === 1, 30_000);
    assert.match((await listFiles(cacheDir))[0], /\.pytorch_model\.bin\.tmp-/);
    child.kill("SIGINT");
    const status = await child.output();
    assert.equal(status.code, 130, new TextDecoder().decode(status.stderr));
    assert.deepEqual(await listFiles(cacheDir), []);
  });
});

extendedTest(
  "other statuses and unreachable endpoints: HubHttpError and HubNetworkError with the fix",
  MIRROR,
  async () => {
    await withHub(
      { faults: { failStatus: (path) => path.endsWith("/vocab.txt") ? 503 : undefined } },
      async ({ settings }) => {
        const error = await hubDownload({ repo: MINI, file: "vocab.txt" }, {
          settings,
          progress: false,
        })
          .catch((e) => e);
        assert.ok(error instanceof HubHttpError, String(error));
        assert.equal(error.status, 503);
        assert.match(
          error.message,
          /^HTTP 503 for model standin\/distilbert-mini-uncased-mrpc, file vocab\.txt at revision main/,
        );
        assert.match(error.message, /injected failure 503/);
      },
    );
    const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
    try {
      const endpoint = `http://127.0.0.1:${closedPort()}`;
      const error = await hubDownload(
        { repo: MINI, file: "config.json" },
        { settings: { endpoint, offline: false, cacheDir }, progress: false },
      ).catch((e) => e);
      assert.ok(error instanceof HubNetworkError, String(error));
      assert.match(error.message, new RegExp(`^cannot reach ${endpoint} for model ${MINI}`));
      assert.match(error.message, /Connection refused/);
      assert.match(error.message, /HF_HUB_OFFLINE=1/);
      assert.match(error.message, /HF_ENDPOINT/);
      assert.deepEqual(await listFiles(cacheDir), []);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("invalid repo ids, file names and revisions are refused before any request", async () => {
  await withHub({}, async ({ server, settings, cacheDir }) => {
    const cases: [Parameters<typeof hubDownload>[0], new (...args: never[]) => Error, RegExp][] = [
      [{ repo: "../etc", file: "passwd" }, InvalidRepoIdError, /"\.\." part/],
      [{ repo: "/etc", file: "passwd" }, InvalidRepoIdError, /absolute path/],
      [{ repo: "a/b/c", file: "x" }, InvalidRepoIdError, /3 parts/],
      [{ repo: MINI, file: "../../../../etc/passwd" }, InvalidHubFileNameError, /"\.\." part/],
      [{ repo: MINI, file: "/etc/passwd" }, InvalidHubFileNameError, /absolute path/],
      [{ repo: MINI, file: "onnx\\model.onnx" }, InvalidHubFileNameError, /backslash/],
      [
        { repo: MINI, file: "config.json", revision: "../main" },
        InvalidRevisionError,
        /"\.\." part/,
      ],
    ];
    for (const [ref, type, message] of cases) {
      const error = await hubDownload(ref, { settings, progress: false }).catch((e) => e);
      assert.ok(error instanceof type, `${JSON.stringify(ref)}: ${error}`);
      assert.ok(error instanceof HubError);
      assert.match(error.message, message);
    }
    assert.deepEqual(server.requests, []);
    assert.deepEqual(await listFiles(cacheDir), []);
  });
});
