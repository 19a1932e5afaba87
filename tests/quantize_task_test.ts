import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { AutoModelForSequenceClassification, AutoTokenizer, env } from "@huggingface/transformers";
import { startHubServer } from "./support/hub_server.ts";
import { pairBatch, referencePairs, STANDINS } from "./support/mirror.ts";
import { runTask } from "./support/run_task.ts";
import { batchFeeds, createSession } from "../lib/runtime/mod.ts";

Deno.test("deno task quantize writes a hub-layout folder that transformers.js loads with dtype q8", async () => {
  const cache = await Deno.makeTempDir();
  const out = join(await Deno.makeTempDir(), "mini-int8");
  const server = await startHubServer();
  try {
    const result = await runTask("quantize", {
      args: ["--model", STANDINS.mini, "--approach", "static", "--samples", "16", "--out", out],
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache, WORKSHOP_QUICK: "1" },
    });
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await server.close();
  }
  for (
    const file of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/model.onnx",
      "onnx/model_quantized.onnx",
    ]
  ) {
    assert.ok((await Deno.stat(join(out, file))).isFile, file);
  }
  // Remove the FP32 file: with dtype "q8" transformers.js must load onnx/model_quantized.onnx.
  await Deno.remove(join(out, "onnx", "model.onnx"));
  const saved = { ...env };
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = dirname(out) + "/";
  env.useBrowserCache = false;
  try {
    const tokenizer = await AutoTokenizer.from_pretrained(basename(out));
    const model = await AutoModelForSequenceClassification.from_pretrained(basename(out), {
      dtype: "q8",
    });
    const [pair] = await referencePairs(STANDINS.mini);
    const encoded = tokenizer(pair.sentence1, { text_pair: pair.sentence2 });
    assert.deepEqual(encoded.input_ids.tolist()[0].map(Number), pair.input_ids);
    const logits = (await model(encoded)).logits.tolist()[0] as number[];
    // The same file run by the kit's own ORT session gives the same logits.
    const ours = await createSession(join(out, "onnx", "model_quantized.onnx"));
    const batch = pairBatch(pair);
    const expected = (await ours.session.run(batchFeeds({ batch, inputNames: ours.inputNames })))
      .logits.data as Float32Array;
    logits.forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) < 1e-5, `logit ${i}: ${v} vs ${expected[i]}`)
    );
    // …and they are INT8 logits, close to but not equal to PyTorch's FP32 ones.
    const error = Math.max(...pair.logits.map((v, i) => Math.abs(v - logits[i])));
    assert.ok(error > 1e-6 && error < 0.2, `INT8 vs FP32 logit error ${error}`);
    await ours.session.release();
    await model.dispose();
  } finally {
    Object.assign(env, saved);
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(dirname(out), { recursive: true });
  }
});
