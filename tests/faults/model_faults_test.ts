/**
 * Fault injection against the model and tokenizer loaders on top of the hub: damaged cached
 * config.json, partial offline caches, external data under any name or escaping the model folder,
 * and a tokenizer larger than the model's embedding.
 */
import assert from "node:assert/strict";
import { extendedTest, MIRROR } from "../support/extended.ts";
import { join } from "node:path";
import { hubCachePath, HubOfflineError } from "../../lib/hub/mod.ts";
import {
  loadClassifier,
  loadHubConfig,
  ModelConfigError,
  NoCheckpointError,
  toHubConfigJson,
} from "../../lib/model/mod.ts";
import { buildDistilBert } from "../../lib/model/random.ts";
import { OnnxExternalDataError, writeModel } from "../../lib/onnx/mod.ts";
import { createSession } from "../../lib/runtime/mod.ts";
import { prepareMrpc, VocabularyMismatchError } from "../../lib/data/mod.ts";
import { cacheCommand } from "../../lib/cli/cache.ts";
import { withHub } from "../support/with_hub.ts";
import { mirrorRepoDir, STANDINS } from "../support/mirror.ts";
import { TINY_DISTILBERT } from "../support/tiny_distilbert.ts";
import { listFiles, partialFiles, tempMirror } from "./_support.ts";

const MINI = STANDINS.mini;

/** A tiny DistilBERT repo whose weights live in an external-data file called `location`. */
async function externalDataRepo(location: string, repo = "local/tiny-external") {
  const dir = await Deno.makeTempDir();
  await writeModel(`${dir}/model.onnx`, buildDistilBert(TINY_DISTILBERT, { seed: 1 }), {
    externalData: { threshold: 1024, location },
  });
  const root = await tempMirror({
    [`${repo}@main:config.json`]: JSON.stringify(toHubConfigJson(TINY_DISTILBERT)),
    [`${repo}@main:onnx/model.onnx`]: await Deno.readFile(`${dir}/model.onnx`),
    [`${repo}@main:onnx/${location}`]: await Deno.readFile(`${dir}/${location}`),
  });
  await Deno.remove(dir, { recursive: true });
  return root;
}

extendedTest(
  "a damaged cached config.json: ModelConfigError names the file and deno task cache verify --fix, which repairs it",
  MIRROR,
  async () => {
    await withHub({}, async ({ settings }) => {
      const path = hubCachePath({ repo: MINI, file: "config.json" }, settings);
      await Deno.mkdir(join(path, ".."), { recursive: true });
      await Deno.writeTextFile(path, "<html><body>502 Bad Gateway</body></html>"); // an old cache
      const error = await loadHubConfig(MINI, { settings, progress: false }).catch((e) => e);
      assert.ok(error instanceof ModelConfigError, String(error));
      assert.ok(error.message.includes(path), error.message);
      assert.match(error.message, /run `deno task cache verify --fix`/);
      const lines: string[] = [];
      assert.equal(
        await cacheCommand(["verify"], {
          cacheDir: settings.cacheDir,
          print: (l) => lines.push(l),
        }),
        1,
      );
      assert.match(lines.join("\n"), /damaged: .*config\.json: it is an HTML page/);
      assert.equal(
        await cacheCommand(["verify", "--fix"], { cacheDir: settings.cacheDir, print: () => {} }),
        0,
      );
      assert.deepEqual(await listFiles(settings.cacheDir), []);
      const config = await loadHubConfig(MINI, { settings, progress: false });
      assert.equal(config.dim, 256);
    });
  },
);

extendedTest(
  "deno task cache verify finds a flipped byte through the download's record; --fix removes only that file",
  MIRROR,
  async () => {
    await withHub({}, async ({ settings, server }) => {
      await loadClassifier(MINI, { settings, progress: false });
      const onnx = hubCachePath({ repo: MINI, file: "onnx/model.onnx" }, settings);
      const config = hubCachePath({ repo: MINI, file: "config.json" }, settings);
      const file = await Deno.open(onnx, { read: true, write: true });
      await file.seek(1_000_000, Deno.SeekMode.Start);
      await file.write(new Uint8Array([0x55]));
      file.close();
      const lines: string[] = [];
      const print = (line: string) => lines.push(line);
      assert.equal(await cacheCommand(["list"], { cacheDir: settings.cacheDir, print }), 0);
      assert.match(
        lines.join("\n"),
        /model standin\/distilbert-mini-uncased-mrpc@main {2}onnx\/model\.onnx {2}44778193 B/,
      );
      lines.length = 0;
      assert.equal(
        await cacheCommand(["verify", "--fix"], { cacheDir: settings.cacheDir, print }),
        0,
      );
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(lines[0], /^removed: .*onnx\/model\.onnx: its SHA-256 [0-9a-f]{64} differs/);
      assert.ok((await Deno.stat(config)).isFile, "the sound files stay");
      const again = await loadClassifier(MINI, { settings, progress: false });
      assert.equal(again.path, onnx);
      const gets = server.requests.filter((r) =>
        r.startsWith("GET") && r.endsWith("onnx/model.onnx")
      );
      assert.equal(gets.length, 2, "downloaded again after the repair");
      assert.equal(
        await cacheCommand(["clean", "--repo", MINI], { cacheDir: settings.cacheDir, print }),
        0,
      );
      assert.deepEqual(await listFiles(settings.cacheDir), []);
    });
  },
);

Deno.test("offline with config.json cached but no weights: NoCheckpointError says they are not cached", async () => {
  await withHub({}, async ({ settings, cacheDir }) => {
    await loadHubConfig(MINI, { settings, progress: false });
    const error = await loadClassifier(MINI, {
      settings: { ...settings, offline: true },
      progress: false,
    }).catch((e) => e);
    assert.ok(error instanceof NoCheckpointError, String(error));
    assert.ok(error.message.includes(`is cached in ${cacheDir}`), error.message);
    assert.match(
      error.message,
      /none of onnx\/model\.onnx, model\.safetensors, pytorch_model\.bin/,
    );
    assert.match(error.message, /unset HF_HUB_OFFLINE/);
    assert.doesNotMatch(error.message, /has none of/);
  });
});

Deno.test("external data named model.onnx.data is found in the model and downloaded; offline without it, the file is named", async () => {
  const root = await externalDataRepo("model.onnx.data");
  try {
    await withHub({ root }, async ({ server, settings, cacheDir }) => {
      const model = await loadClassifier("local/tiny-external", { settings, progress: false });
      assert.ok(
        server.requests.includes("GET /local/tiny-external/resolve/main/onnx/model.onnx.data"),
      );
      const session = await createSession(model.path);
      assert.equal(session.outputNames.length, 1);
      await session.session.release();
      // A cache holding the model but not its data, offline: the missing file is named.
      await Deno.remove(
        hubCachePath({ repo: "local/tiny-external", file: "onnx/model.onnx.data" }, settings),
      );
      const error = await loadClassifier("local/tiny-external", {
        settings: { ...settings, offline: true },
        progress: false,
      }).catch((e) => e);
      assert.ok(error instanceof HubOfflineError, String(error));
      assert.equal(error.ref.file, "onnx/model.onnx.data");
      assert.deepEqual(await partialFiles(cacheDir), []);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an external-data location escaping the model folder is refused before anything is fetched for it", async () => {
  const root = await externalDataRepo("model.onnx_data", "local/evil");
  const onnx = join(root, "local", "evil", "resolve", "main", "onnx", "model.onnx");
  const bytes = await Deno.readFile(onnx);
  const from = new TextEncoder().encode("model.onnx_data");
  const to = new TextEncoder().encode("../../etc/passw"); // same length: the protobuf stays valid
  for (let i = 0; i + from.length <= bytes.length; i++) {
    if (from.every((b, j) => bytes[i + j] === b)) bytes.set(to, i);
  }
  await Deno.writeFile(onnx, bytes);
  try {
    await withHub({ root }, async ({ server, settings }) => {
      const error = await loadClassifier("local/evil", { settings, progress: false })
        .catch((e) => e);
      assert.ok(error instanceof OnnxExternalDataError, String(error));
      assert.match(
        error.message,
        /external data location "\.\.\/\.\.\/etc\/passw" is not a file inside/,
      );
      assert.match(error.message, /nothing was fetched for it/);
      assert.deepEqual(
        server.requests.filter((r) => r.startsWith("GET")).map((r) => r.split("/main/")[1]),
        ["config.json", "onnx/model.onnx"],
      );
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

extendedTest(
  "a tokenizer larger than the model's embedding is refused before ONNX Runtime runs",
  MIRROR,
  async () => {
    const tokenizerFiles = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"];
    const files: Record<string, Uint8Array | string> = {
      "local/small-embedding@main:config.json": JSON.stringify(toHubConfigJson(TINY_DISTILBERT)),
    };
    for (const file of tokenizerFiles) {
      files[`local/small-embedding@main:${file}`] = await Deno.readFile(
        join(mirrorRepoDir(STANDINS.tiny), file),
      );
    }
    const root = await tempMirror(files);
    const data = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${data}/train.tsv`,
      "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tHello there\tHi there\n",
    );
    try {
      await withHub({ root }, async ({ settings }) => {
        await loadHubConfig("local/small-embedding", { settings, progress: false });
        const error = await prepareMrpc("train", {
          modelId: "local/small-embedding",
          settings,
          dir: data,
          progress: false,
        }).catch((e) => e);
        assert.ok(error instanceof VocabularyMismatchError, String(error));
        assert.match(
          error.message,
          /tokenizer has 30522 tokens but the model local\/small-embedding@main embeds only 1100/,
        );
        assert.match(error.message, /Use the tokenizer of the model's own repo/);
        const ok = await prepareMrpc("train", {
          modelId: "local/small-embedding",
          settings,
          dir: data,
          progress: false,
          modelVocabSize: 30522,
        });
        assert.equal(ok.rows.length, 1);
      });
    } finally {
      await Deno.remove(root, { recursive: true });
      await Deno.remove(data, { recursive: true });
    }
  },
);
