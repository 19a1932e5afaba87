import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareMrpc } from "../data/prepare.ts";
import { makeBatches } from "../data/batch.ts";
import { parseDistilBertConfig } from "../model/config.ts";
import { buildDistilBertGraph } from "../model/distilbert_graph.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { encodeModel } from "../onnx/mod.ts";
import { batchFeeds, createSession } from "../runtime/mod.ts";
import { mirrorRepoDir, mrpcTsvDir, referencePairs, STANDINS } from "../../tests/support/mirror.ts";
import { TfDistilBert } from "./distilbert.ts";
import { gemmTest } from "./_gemm_test_support.ts";
import { MIRROR } from "../../tests/support/extended.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
const weights = await readSafetensors(join(dir, "model.safetensors"));

gemmTest("tfjs logits equal ONNX Runtime's on real MRPC batches (mini stand-in)", async () => {
  const model = await TfDistilBert.fromWeights(config, weights);
  const built = await createSession(encodeModel(buildDistilBertGraph(config, weights)), {
    intraOpThreads: 1,
  });
  const hub = await createSession(join(dir, "onnx", "model.onnx"), { intraOpThreads: 1 });
  const { batches } = await prepareMrpc("validation", {
    modelId: STANDINS.mini,
    tokenizerDir: dir,
    dir: mrpcTsvDir(),
    batchSize: 16,
    limit: 48,
    progress: false,
  });
  assert.ok(batches.some((b) => b.attentionMask.includes(0n)), "batches carry padding");
  let worst = 0;
  let rows = 0;
  for (const batch of batches) {
    const ours = model.predict(batch);
    for (const ort of [built, hub]) {
      const out = await ort.session.run(batchFeeds({ batch, inputNames: ort.inputNames }));
      const theirs = out.logits.data as Float32Array;
      assert.equal(theirs.length, ours.length);
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    }
    rows += batch.size;
  }
  assert.equal(rows, 48);
  assert.ok(worst < 1e-4, `max |tfjs − ORT| = ${worst}`);
  await built.session.release();
  await hub.session.release();
  model.dispose();
}, { needs: [MIRROR] });

gemmTest("tfjs logits equal PyTorch's reference logits; weights round-trip exactly", async () => {
  const model = await TfDistilBert.fromWeights(config, weights);
  const pairs = await referencePairs(STANDINS.mini);
  const batches = makeBatches(
    pairs.map((p) => ({ inputIds: p.input_ids, attentionMask: p.input_ids.map(() => 1) })),
    pairs.map((p) => p.label),
    { batchSize: 8 },
  );
  let worst = 0;
  for (const batch of batches) {
    const ours = model.predict(batch);
    batch.indices.forEach((row, r) => {
      pairs[row].logits.forEach((z, k) => {
        worst = Math.max(worst, Math.abs(ours[r * config.numLabels + k] - z));
      });
    });
  }
  assert.ok(worst < 1e-4, `max |tfjs − torch| = ${worst}`);
  const back = model.toWeightMap();
  assert.deepEqual([...back.keys()].sort(), [...weights.keys()].sort());
  for (const [name, tensor] of weights) assert.deepEqual(back.get(name), tensor, name);
  model.dispose();
});
