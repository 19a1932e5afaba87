import assert from "node:assert/strict";
import { hubSettings } from "../hub/mod.ts";
import { distilBertWeightShapes } from "../model/distilbert_graph.ts";
import { join } from "node:path";
import { mirrorRepoDir, referencePairs, STANDINS } from "../../tests/support/mirror.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { TfDistilBert } from "./distilbert.ts";
import { loadDistilBertWeights, NoTrainableWeightsError } from "./load.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "loads safetensors and legacy pytorch_model.bin weights from the hub into tfjs",
  MIRROR,
  async () => {
    const server = await startHubServer();
    const cacheDir = await Deno.makeTempDir();
    const settings = hubSettings({ endpoint: server.url, cacheDir });
    try {
      const mini = await loadDistilBertWeights(STANDINS.mini, { settings, progress: false });
      assert.equal(mini.source, "model.safetensors");
      assert.equal(mini.config.dim, 256);
      const tiny = await loadDistilBertWeights(STANDINS.tiny, { settings, progress: false });
      assert.equal(tiny.source, "pytorch_model.bin");
      assert.deepEqual(
        [...distilBertWeightShapes(tiny.config).keys()].filter((k) => !tiny.weights.has(k)),
        [],
      );
      // The legacy checkpoint's weights reproduce PyTorch's logits in tfjs.
      const model = await TfDistilBert.fromWeights(tiny.config, tiny.weights);
      const [pair] = await referencePairs(STANDINS.tiny);
      const logits = model.predict({
        size: 1,
        seqLen: pair.input_ids.length,
        inputIds: pair.input_ids,
        attentionMask: pair.input_ids.map(() => 1),
      });
      pair.logits.forEach((z, k) =>
        assert.ok(Math.abs(logits[k] - z) < 1e-4, `${logits[k]} vs ${z}`)
      );
      model.dispose();
    } finally {
      await server.close();
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
);

Deno.test("a repo without PyTorch weights is refused with NoTrainableWeightsError", async () => {
  const root = await Deno.makeTempDir();
  const repoDir = join(root, "org", "onnx-only", "resolve", "main");
  await Deno.mkdir(repoDir, { recursive: true });
  await Deno.copyFile(
    join(mirrorRepoDir(STANDINS.mini), "config.json"),
    join(repoDir, "config.json"),
  );
  const server = await startHubServer({ root });
  const cacheDir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      loadDistilBertWeights("org/onnx-only", {
        settings: hubSettings({ endpoint: server.url, cacheDir }),
        progress: false,
      }),
      (error: Error) =>
        error instanceof NoTrainableWeightsError && error.message.includes("org/onnx-only@main"),
    );
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(cacheDir, { recursive: true });
  }
});
