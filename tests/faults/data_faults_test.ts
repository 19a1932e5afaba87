/**
 * Fault injection against the data loaders: damaged and truncated parquet bodies and a damaged
 * cached tokenizer file — named errors with the file and the fix, and good files left alone.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { hubCachePath, HubCorruptDownloadError } from "../../lib/hub/mod.ts";
import {
  loadMrpc,
  loadTokenizer,
  MrpcFormatError,
  mrpcParquetFile,
  readMrpcParquet,
  TokenizerLoadError,
} from "../../lib/data/mod.ts";
import { withHub } from "../support/with_hub.ts";
import { mirrorParquetPath, STANDINS } from "../support/mirror.ts";
import { listFiles, tempMirror } from "./_support.ts";

/** The mirror's MRPC validation parquet with bytes 100–3000 overwritten (headers intact). */
async function damagedParquet(): Promise<Uint8Array> {
  const bytes = await Deno.readFile(mirrorParquetPath("validation"));
  bytes.fill(0x41, 100, 3000);
  return bytes;
}

Deno.test("a damaged parquet body names the cached file and the fix instead of an anonymous error", async () => {
  const root = await tempMirror({
    [`datasets/nyu-mll/glue@main:${mrpcParquetFile("validation")}`]: await damagedParquet(),
  });
  try {
    await withHub({ root }, async ({ settings }) => {
      const error = await loadMrpc("validation", { settings, progress: false }).catch((e) => e);
      assert.ok(error instanceof MrpcFormatError, String(error));
      const path = hubCachePath({
        repo: "nyu-mll/glue",
        repoType: "dataset",
        file: mrpcParquetFile("validation"),
      }, settings);
      assert.equal(error.path, path);
      assert.ok(error.message.startsWith(`${path}: its data pages cannot be decoded (`));
      assert.match(error.message, /cannot copy from before start of buffer/);
      assert.match(error.message, /damaged or truncated.*delete it.*deno task cache verify --fix/);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a damaged parquet body from a hub that sends its SHA-256 never reaches the cache", async () => {
  await withHub(
    { faults: { hubHeaders: true, corruptBody: (p) => p.endsWith(".parquet") } },
    async ({ settings, cacheDir }) => {
      const error = await loadMrpc("validation", {
        settings,
        progress: false,
      }).catch((e) => e);
      assert.ok(error instanceof HubCorruptDownloadError, String(error));
      assert.match(error.message, /dataset nyu-mll\/glue, file mrpc\/validation.*SHA-256/);
      assert.deepEqual(await listFiles(cacheDir), []);
    },
  );
});

Deno.test("a truncated parquet file names the file (its footer is missing)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(mirrorParquetPath("validation"));
    await Deno.writeFile(`${dir}/cut.parquet`, bytes.slice(0, bytes.length >> 1));
    await assert.rejects(readMrpcParquet(`${dir}/cut.parquet`, "validation"), (error: unknown) => {
      assert.ok(error instanceof MrpcFormatError, String(error));
      assert.ok(error.message.startsWith(`${dir}/cut.parquet: not a readable parquet file (`));
      assert.match(error.message, /replace it with a good copy/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a damaged cached tokenizer.json names the file and the cache repair", async () => {
  await withHub({}, async ({ settings }) => {
    const path = hubCachePath({ repo: STANDINS.mini, file: "tokenizer.json" }, settings);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, '{"version": "1.0", "model": {'); // cut by an old kit
    const error = await loadTokenizer(STANDINS.mini, { settings, progress: false })
      .catch((e) => e);
    assert.ok(error instanceof TokenizerLoadError, String(error));
    assert.ok(error.message.includes(`tokenizer.json is not valid JSON (`), error.message);
    assert.ok(error.message.includes(`): ${path}; if it is a cached download`), error.message);
    assert.match(error.message, /run `deno task cache verify --fix`/);
  });
});
