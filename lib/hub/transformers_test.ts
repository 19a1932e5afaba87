import assert from "node:assert/strict";
import { AutoModelForSequenceClassification, AutoTokenizer, env } from "@huggingface/transformers";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { listFiles, MINI, mirrorFile, sha256File } from "./_testing.ts";
import { configureTransformers, parseHubUrl, transformersCache } from "./transformers.ts";
import { hubUrl } from "./url.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const FIELDS = [
  "remoteHost",
  "remotePathTemplate",
  "allowRemoteModels",
  "allowLocalModels",
  "useBrowserCache",
  "useFSCache",
  "cacheDir",
  "useCustomCache",
  "customCache",
  "fetch",
] as const;

/** Runs `body` and puts transformers.js's `env` back as it was. */
async function withRestoredEnv(body: () => void | Promise<void>): Promise<void> {
  const saved = Object.fromEntries(FIELDS.map((field) => [field, env[field]]));
  try {
    await body();
  } finally {
    Object.assign(env, saved);
  }
}

Deno.test("configureTransformers points transformers.js at our endpoint, cache and offline flag", async () => {
  await withRestoredEnv(() => {
    assert.equal(
      env.useBrowserCache,
      true,
      "transformers.js would use Deno's Cache API by default",
    );
    const returned = configureTransformers({
      endpoint: "http://127.0.0.1:8080/",
      offline: true,
      cacheDir: "/tmp/kit-cache",
    });
    assert.equal(returned, env);
    assert.equal(env.remoteHost, "http://127.0.0.1:8080/");
    assert.equal(env.remotePathTemplate, "{model}/resolve/{revision}/");
    assert.equal(env.allowRemoteModels, false);
    assert.equal(env.allowLocalModels, true);
    assert.equal(env.useBrowserCache, false);
    assert.equal(env.useCustomCache, true);
    assert.equal(env.cacheDir, "/tmp/kit-cache/transformers/");
    configureTransformers({ endpoint: "https://huggingface.co", offline: false, cacheDir: "/c" });
    assert.equal(env.allowRemoteModels, true);
    assert.equal(env.remoteHost, "https://huggingface.co/");
  });
});

Deno.test("parseHubUrl inverts hubUrl and refuses other URLs", () => {
  const settings = { endpoint: "http://127.0.0.1:8080" };
  const refs = [
    { repo: MINI, file: "onnx/model.onnx", revision: "main", repoType: "model" as const },
    { repo: "gpt2", file: "config.json", revision: "refs/pr/3", repoType: "model" as const },
    {
      repo: "nyu-mll/glue",
      file: "mrpc/x.parquet",
      revision: "main",
      repoType: "dataset" as const,
    },
  ];
  for (const ref of refs) assert.deepEqual(parseHubUrl(hubUrl(ref, settings), settings), ref);
  for (
    const url of [
      "http://127.0.0.1:9999/a/b/resolve/main/c",
      "http://127.0.0.1:8080/a/b/blob/main/c",
      "http://127.0.0.1:8080/a/../b/resolve/main/c",
      "http://127.0.0.1:8080//abs/path/resolve/main/config.json",
      "/local/models/a/b/config.json",
    ]
  ) {
    assert.equal(parseHubUrl(url, settings), undefined, url);
  }
});

extendedTest(
  "transformers.js loads a tokenizer through the mirror into our cache, then offline from it",
  MIRROR,
  async () => {
    await withRestoredEnv(async () => {
      const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
      const server = await startHubServer({ faults: { requireToken: "hf_secret" } });
      try {
        configureTransformers({
          endpoint: server.url,
          token: "hf_secret",
          offline: false,
          cacheDir,
        });
        const tokenizer = await AutoTokenizer.from_pretrained(MINI);
        const encoded = tokenizer.encode("Hello world");
        assert.deepEqual(encoded, [101, 7592, 2088, 102]); // [CLS] hello world [SEP] in bert-base-uncased
        const files = await listFiles(cacheDir);
        assert.ok(
          files.includes(`models--${MINI.replace("/", "--")}/snapshots/main/tokenizer.json`),
          files.join(", "),
        );
        assert.ok(!files.some((file) => file.includes(".tmp-")), files.join(", "));
        assert.equal(
          await sha256File(
            `${cacheDir}/models--${MINI.replace("/", "--")}/snapshots/main/tokenizer.json`,
          ),
          await sha256File(mirrorFile(server, MINI, "tokenizer.json")),
        );
        assert.deepEqual([...new Set(server.requests)].toSorted(), [
          `GET /${MINI}/resolve/main/tokenizer.json`,
          `GET /${MINI}/resolve/main/tokenizer_config.json`,
        ]);
        assert.ok(server.log.every((r) => r.authorization === "Bearer hf_secret"));
      } finally {
        await server.close();
      }
      try {
        const before = (await listFiles(cacheDir)).length;
        configureTransformers({ endpoint: server.url, offline: true, cacheDir });
        const cache = env.customCache as ReturnType<typeof transformersCache>;
        const hits: string[] = [];
        const match = cache.match;
        cache.match = async (request) => {
          const response = await match(request);
          if (response) hits.push(String(request));
          return response;
        };
        const tokenizer = await AutoTokenizer.from_pretrained(MINI);
        assert.deepEqual(tokenizer.encode("Hello world"), [101, 7592, 2088, 102]);
        assert.ok(
          hits.includes(`${server.url}/${MINI}/resolve/main/tokenizer.json`),
          hits.join(", "),
        );
        assert.equal((await listFiles(cacheDir)).length, before);
      } finally {
        await Deno.remove(cacheDir, { recursive: true });
      }
    });
  },
);

Deno.test("transformers.js runs the ONNX stand-in from our cache, online then offline, with PyTorch's logits", async () => {
  await withRestoredEnv(async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "hub-cache-" });
    const server = await startHubServer();
    const reference = JSON.parse(
      await Deno.readTextFile(mirrorFile(server, MINI, "reference_logits.json")),
    ).pairs[0] as { sentence1: string; sentence2: string; input_ids: number[]; logits: number[] };
    const run = async () => {
      const tokenizer = await AutoTokenizer.from_pretrained(MINI);
      const model = await AutoModelForSequenceClassification.from_pretrained(MINI, {
        dtype: "fp32",
      });
      try {
        const inputs = tokenizer(reference.sentence1, { text_pair: reference.sentence2 });
        assert.deepEqual(Array.from(inputs.input_ids.data, Number), reference.input_ids);
        const { logits } = await model(inputs);
        return Array.from(logits.data as Float32Array);
      } finally {
        await model.dispose();
      }
    };
    try {
      configureTransformers({ endpoint: server.url, offline: false, cacheDir });
      const online = await run();
      online.forEach((value, i) =>
        assert.ok(Math.abs(value - reference.logits[i]) < 1e-4, `${online}`)
      );
      assert.equal(
        await sha256File(
          `${cacheDir}/models--${MINI.replace("/", "--")}/snapshots/main/onnx/model.onnx`,
        ),
        await sha256File(mirrorFile(server, MINI, "onnx/model.onnx")),
      );
      await server.close();
      configureTransformers({ endpoint: server.url, offline: true, cacheDir });
      assert.deepEqual(await run(), online);
    } finally {
      await server.close();
      await Deno.remove(cacheDir, { recursive: true });
    }
  });
});

Deno.test("transformersCache ignores URLs outside the endpoint's layout", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const cache = transformersCache({ endpoint: "http://127.0.0.1:8080", cacheDir });
    await cache.put("http://elsewhere.example/x/resolve/main/y", new Response("data"));
    assert.equal(await cache.match("http://elsewhere.example/x/resolve/main/y"), undefined);
    assert.deepEqual(await listFiles(cacheDir), []);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
