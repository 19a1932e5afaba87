import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { AutoModelForSequenceClassification, AutoTokenizer } from "@huggingface/transformers";
import { pairBatch, referencePairs, STANDINS } from "./support/mirror.ts";
import { runTaskWithOut, withLocalTransformersJs } from "./support/task_output.ts";
import { batchFeeds, createSession } from "../lib/runtime/mod.ts";

Deno.test("deno task quantize writes a hub-layout folder that transformers.js loads with dtype q8", async () => {
  const { code, stderr, out, cache } = await runTaskWithOut("quantize", {
    args: ["--model", STANDINS.mini, "--approach", "static", "--samples", "16"],
    folder: "mini-int8",
  });
  assert.equal(code, 0, stderr);
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
  try {
    await withLocalTransformersJs(out, (modelId) => checkQ8(out, modelId));
  } finally {
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(dirname(out), { recursive: true });
  }
});

/** transformers.js's q8 logits for a reference pair are the kit's own session's, and INT8's. */
async function checkQ8(out: string, modelId: string): Promise<void> {
  const tokenizer = await AutoTokenizer.from_pretrained(modelId);
  const model = await AutoModelForSequenceClassification.from_pretrained(modelId, {
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
}
