import assert from "node:assert/strict";
import { join } from "node:path";
import { hubCachePath, hubSnapshotDir } from "./cache.ts";
import {
  HubError,
  InvalidHubEndpointError,
  InvalidHubFileNameError,
  InvalidRepoIdError,
  InvalidRepoTypeError,
  InvalidRevisionError,
} from "./errors.ts";
import { defaultHubCacheDir, hubSettings, projectRoot } from "./settings.ts";
import { hubUrl } from "./url.ts";
import {
  resolveHubFile,
  validateHubFileName,
  validateRepoId,
  validateRevision,
} from "./validate.ts";

Deno.test("validateRepoId accepts hub ids and says what is wrong with the others", () => {
  for (
    const ok of [
      "gpt2",
      "bert-base-uncased",
      "standin/distilbert-mini-uncased-mrpc",
      "org_1/m.v2",
      "A/b",
    ]
  ) {
    assert.equal(validateRepoId(ok), ok);
  }
  const refused: [string, RegExp][] = [
    ["", /it is empty/],
    ["..", /"\.\." part/],
    ["../x", /"\.\." part/],
    ["org/..", /"\.\." part/],
    ["/org/name", /absolute path/],
    ["C:/models/x", /drive letter/],
    ["org\\name", /backslash/],
    ["org/name/", /ends with \//],
    ["org//name", /empty part/],
    ["a/b/c", /it has 3 parts/],
    ["org/na me", /contains " ", which is not allowed/],
    ["org/näme", /contains "ä"/],
    ["org/name%2F", /contains "%"/],
    ["-org/name", /starts or ends with "\." or "-"/],
    ["org/name.", /starts or ends/],
    ["org/na--me", /contains "--" or "\.\."/],
    ["org/na..me", /contains "--" or "\.\."/],
    ["org/name.git", /ends with "\.git"/],
    [`org/${"x".repeat(97)}`, /longer than 96/],
  ];
  for (const [repo, reason] of refused) {
    assert.throws(() => validateRepoId(repo), (error) => {
      assert.ok(error instanceof InvalidRepoIdError, repo);
      assert.ok(error instanceof HubError);
      assert.equal(error.repo, repo);
      assert.match(error.message, reason, repo);
      assert.match(error.message, /expected "name" or "org\/name"/);
      return true;
    });
  }
});

Deno.test("validateHubFileName accepts relative paths of safe parts only", () => {
  for (
    const ok of [
      "config.json",
      "onnx/model.onnx",
      ".gitattributes",
      "mrpc/train-00000-of-00001.parquet",
    ]
  ) {
    assert.equal(validateHubFileName(ok), ok);
  }
  const refused: [string, RegExp][] = [
    ["", /empty/],
    ["../config.json", /"\.\." part/],
    ["onnx/../../x", /"\.\." part/],
    ["./config.json", /"\." part/],
    ["/etc/passwd", /absolute path/],
    ["onnx\\model.onnx", /backslash/],
    ["onnx/", /ends with \//],
    ["onnx//model.onnx", /empty part/],
    ["model?.onnx", /contains "\?"/],
    [".model.onnx.tmp-abc", /reserved for partial downloads/],
  ];
  for (const [file, reason] of refused) {
    assert.throws(() => validateHubFileName(file), (error) => {
      assert.ok(error instanceof InvalidHubFileNameError, file);
      assert.match(error.message, reason, file);
      assert.match(error.message, /expected a relative path/);
      return true;
    });
  }
});

Deno.test("validateRevision accepts branches, tags, refs and hashes", () => {
  for (
    const ok of [
      "main",
      "v1.0",
      "refs/pr/1",
      "refs/convert/parquet",
      "0123456789abcdef0123456789abcdef01234567",
    ]
  ) {
    assert.equal(validateRevision(ok), ok);
  }
  for (
    const [revision, reason] of [["../main", /"\.\." part/], ["/main", /absolute/], [
      "ma in",
      /" "/,
    ], ["", /empty/]] as const
  ) {
    assert.throws(() => validateRevision(revision), (error) => {
      assert.ok(error instanceof InvalidRevisionError);
      assert.match(error.message, reason);
      return true;
    });
  }
  assert.throws(
    () => resolveHubFile({ repo: "a/b", file: "x", repoType: "space" as "model" }),
    InvalidRepoTypeError,
  );
});

Deno.test("hubUrl follows the hub's layout for models and datasets, one segment per revision", () => {
  const settings = { endpoint: "http://127.0.0.1:9000" };
  assert.equal(
    hubUrl({ repo: "standin/distilbert-mini-uncased-mrpc", file: "onnx/model.onnx" }, settings),
    "http://127.0.0.1:9000/standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
  );
  assert.equal(
    hubUrl({ repo: "gpt2", file: "config.json", revision: "refs/pr/12" }, settings),
    "http://127.0.0.1:9000/gpt2/resolve/refs%2Fpr%2F12/config.json",
  );
  assert.equal(
    hubUrl(
      { repo: "nyu-mll/glue", file: "mrpc/train-00000-of-00001.parquet", repoType: "dataset" },
      { endpoint: "https://huggingface.co/" },
    ),
    "https://huggingface.co/datasets/nyu-mll/glue/resolve/main/mrpc/train-00000-of-00001.parquet",
  );
  assert.throws(() => hubUrl({ repo: "x/../y", file: "a" }, settings), InvalidRepoIdError);
});

Deno.test("hubCachePath and hubSnapshotDir stay inside the cache; revisions are one folder", () => {
  const cacheDir = "/work/cache";
  assert.equal(
    hubCachePath({ repo: "org/name", file: "onnx/model.onnx", revision: "refs/pr/1" }, {
      cacheDir,
    }),
    "/work/cache/models--org--name/snapshots/refs%2Fpr%2F1/onnx/model.onnx",
  );
  assert.equal(
    hubSnapshotDir({ repo: "nyu-mll/glue", repoType: "dataset" }, { cacheDir: "relative/cache" }),
    join(Deno.cwd(), "relative/cache/datasets--nyu-mll--glue/snapshots/main"),
  );
  // gpt2@main + onnx/config.json and gpt2/main@onnx + config.json: repo, revision and file
  // are separate parts of the path, so they never collide.
  assert.equal(
    hubCachePath({ repo: "gpt2", file: "onnx/config.json" }, { cacheDir }),
    "/work/cache/models--gpt2/snapshots/main/onnx/config.json",
  );
  assert.equal(
    hubCachePath({ repo: "gpt2/main", revision: "onnx", file: "config.json" }, { cacheDir }),
    "/work/cache/models--gpt2--main/snapshots/onnx/config.json",
  );
  // "a/b" + "c" and "a" + "b/c" would collide if revisions were nested folders.
  assert.notEqual(
    hubCachePath({ repo: "o/n", revision: "a/b", file: "c" }, { cacheDir }),
    hubCachePath({ repo: "o/n", revision: "a", file: "b/c" }, { cacheDir }),
  );
  assert.throws(
    () => hubCachePath({ repo: "o/n", file: "../../../x" }, { cacheDir }),
    InvalidHubFileNameError,
  );
});

Deno.test("hubSettings reads HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE and HF_HUB_CACHE; overrides win", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const defaults = hubSettings({}, env({}));
  assert.deepEqual(defaults, {
    endpoint: "https://huggingface.co",
    offline: false,
    cacheDir: join(projectRoot(), "data", "cache", "hub"),
  });
  assert.equal(defaultHubCacheDir(), defaults.cacheDir);
  const configured = hubSettings(
    {},
    env({
      HF_ENDPOINT: "http://127.0.0.1:8080//",
      HF_TOKEN: "hf_abc",
      HF_HUB_OFFLINE: "1",
      HF_HUB_CACHE: "/tmp/hf-cache",
    }),
  );
  assert.deepEqual(configured, {
    endpoint: "http://127.0.0.1:8080",
    token: "hf_abc",
    offline: true,
    cacheDir: "/tmp/hf-cache",
  });
  for (
    const [value, offline] of [["true", true], ["YES", true], ["on", true], ["0", false], [
      "false",
      false,
    ], ["", false]] as const
  ) {
    assert.equal(hubSettings({}, env({ HF_HUB_OFFLINE: value })).offline, offline, value);
  }
  assert.equal(hubSettings({}, env({ HF_TOKEN: "" })).token, undefined);
  const overridden = hubSettings(
    { endpoint: "https://mirror.example/", token: undefined, offline: false, cacheDir: "/c" },
    env({ HF_TOKEN: "hf_abc", HF_HUB_OFFLINE: "1" }),
  );
  assert.deepEqual(overridden, {
    endpoint: "https://mirror.example",
    offline: false,
    cacheDir: "/c",
  });
  assert.throws(
    () => hubSettings({}, env({ HF_ENDPOINT: "huggingface.co" })),
    InvalidHubEndpointError,
  );
});
