import assert from "node:assert/strict";
import { hubSettings } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { STANDINS } from "../../tests/support/mirror.ts";
import { runDemo } from "./demo.ts";
import { workshopLoaders } from "./loaders.ts";

Deno.test("runDemo loads the classifier once, reads its model once, tokenizes validation once", async () => {
  const server = await startHubServer();
  const dir = await Deno.makeTempDir();
  const kit = workshopLoaders();
  const calls: string[] = [];
  try {
    const { report } = await runDemo({
      modelId: STANDINS.mini,
      outDir: `${dir}/out`,
      settings: hubSettings({ endpoint: server.url, cacheDir: `${dir}/cache` }),
      quick: true,
      progress: false,
      loaders: {
        loadClassifier: (modelId, options) => {
          calls.push(`load ${modelId}`);
          return kit.loadClassifier(modelId, options);
        },
        readModel: (path) => {
          calls.push("read model");
          return kit.readModel(path);
        },
        prepareMrpc: (split, options) => {
          calls.push(`tokenize ${split}`);
          return kit.prepareMrpc(split, options);
        },
      },
    });
    assert.deepEqual(calls.toSorted(), [
      `load ${STANDINS.mini}`,
      "read model",
      "tokenize train", // calibration pairs of static quantization
      "tokenize validation",
    ]);
    assert.deepEqual(report.results.map((r) => r.name), ["fp32", "int8-dynamic", "int8-static"]);
    assert.equal(report.results[0].agreement, 1);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
