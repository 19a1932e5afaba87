import assert from "node:assert/strict";
import { pairBatch, referencePairs, STANDINS } from "./support/mirror.ts";
import { withHub } from "./support/with_hub.ts";
import { loadClassifier } from "../lib/model/mod.ts";
import { prepareMrpc } from "../lib/data/mod.ts";
import { agreementWith, evaluateClassifier } from "../lib/eval/mod.ts";
import { batchFeeds, createSession } from "../lib/runtime/mod.ts";
import { extendedTest, MIRROR } from "./support/extended.ts";

extendedTest(
  "the kit's export of model.safetensors matches the repo's PyTorch ONNX on all of MRPC validation",
  MIRROR,
  async () => {
    await withHub({}, async ({ settings }) => {
      const common = { settings, progress: false } as const;
      const data = await prepareMrpc("validation", {
        modelId: STANDINS.mini,
        batchSize: 16,
        ...common,
      });
      assert.equal(data.rows.length, 408);
      const torchOnnx = await loadClassifier(STANDINS.mini, common);
      const kitOnnx = await loadClassifier(STANDINS.mini, { ...common, export: "always" });
      assert.equal(torchOnnx.source, "onnx");
      assert.equal(kitOnnx.source, "safetensors");
      const run = async (path: string) => {
        const model = await createSession(path);
        try {
          return await evaluateClassifier(model, data.batches, { progress: false });
        } finally {
          await model.session.release();
        }
      };
      const reference = await run(torchOnnx.path);
      const exported = await run(kitOnnx.path);
      const diff = agreementWith({
        logits: exported.logits,
        reference: reference.logits,
        numLabels: 2,
      });
      assert.ok(diff.maxAbsLogitError < 1e-4, `max |Δlogit| ${diff.maxAbsLogitError}`);
      assert.equal(diff.agreement, 1);
    });
  },
);

for (const repo of [STANDINS.mini, STANDINS.tiny]) {
  extendedTest(
    `${repo}: the model the kit loads reproduces reference_logits.json`,
    MIRROR,
    async () => {
      await withHub({}, async ({ settings }) => {
        const loaded = await loadClassifier(repo, { settings, progress: false, export: "always" });
        const model = await createSession(loaded.path);
        const pairs = await referencePairs(repo);
        let worst = 0;
        for (const pair of pairs) {
          const batch = pairBatch(pair);
          const out = await model.session.run(batchFeeds({ batch, inputNames: model.inputNames }));
          const logits = out.logits.data as Float32Array;
          pair.logits.forEach((v, i) => worst = Math.max(worst, Math.abs(v - logits[i])));
        }
        await model.session.release();
        assert.equal(pairs.length, 32);
        assert.ok(worst < 1e-4, `max |Δlogit| ${worst}`);
      });
    },
  );
}
