import assert from "node:assert/strict";
import { hubSettings } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { MrpcFormatError } from "./errors.ts";
import { loadMrpc, mrpcParquetFile } from "./mrpc.ts";
import { readMrpcParquet } from "./parquet.ts";
import { MRPC_SPLIT_SIZES, MRPC_SPLITS, type MrpcSplit } from "./rows.ts";
import { mirrorParquetPath, mrpcTsvDir } from "../../tests/support/mirror.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "GLUE TSVs and the hub's parquet give identical rows for every split",
  MIRROR,
  async () => {
    for (const split of MRPC_SPLITS) {
      const fromTsv = await loadMrpc(split, { dir: mrpcTsvDir() });
      const fromParquet = await readMrpcParquet(mirrorParquetPath(split), split);
      assert.equal(fromTsv.length, MRPC_SPLIT_SIZES[split], split);
      // Same sentences, labels and idx (the parquet's idx column is the 0-based row index).
      assert.deepEqual(fromTsv, fromParquet, split);
    }
  },
);

extendedTest(
  "loadMrpc downloads the nyu-mll/glue parquet through the hub client and caches it",
  MIRROR,
  async () => {
    const server = await startHubServer();
    const cacheDir = await Deno.makeTempDir();
    try {
      const settings = hubSettings({ endpoint: server.url, cacheDir, offline: false });
      const validation = await loadMrpc("validation", { settings, progress: false });
      assert.equal(validation.length, 408);
      assert.deepEqual(
        validation,
        await readMrpcParquet(mirrorParquetPath("validation"), "validation"),
      );
      const file = `/datasets/nyu-mll/glue/resolve/main/${mrpcParquetFile("validation")}`;
      assert.deepEqual(server.requests.filter((r) => r.startsWith("GET")), [`GET ${file}`]);
      // A second load is served from the cache, even offline.
      const again = await loadMrpc("validation", { settings: { ...settings, offline: true } });
      assert.equal(again.length, 408);
      assert.equal(server.requests.filter((r) => r.startsWith("GET")).length, 1);
      const test = await loadMrpc("test", { settings, progress: false });
      assert.deepEqual([test.length, test[0].label, test[1724].idx], [1725, -1, 1724]);
    } finally {
      await server.close();
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("loadMrpc names a missing TSV and refuses unknown splits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      loadMrpc("validation", { dir }),
      (error: unknown) =>
        error instanceof MrpcFormatError &&
        error.message.startsWith(
          `${dir}/dev.tsv: not found; options.dir must be GLUE's MRPC folder`,
        ),
    );
    await assert.rejects(loadMrpc("dev" as MrpcSplit, { dir }), /unknown MRPC split "dev"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
