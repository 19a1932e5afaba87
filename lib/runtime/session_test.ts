import assert from "node:assert/strict";
import { join } from "node:path";
import { createSession, ModelLoadError } from "./session.ts";
import { batchFeeds, syntheticBatch } from "./feeds.ts";
import { createModel, DataType, GraphBuilder, writeModel } from "../onnx/mod.ts";

Deno.test("a corrupt ONNX file fails with ModelLoadError naming the file and the fix", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "model.onnx");
  await Deno.writeFile(path, new TextEncoder().encode("this is not a protobuf model"));
  await assert.rejects(createSession(path), (error: Error) => {
    assert.ok(error instanceof ModelLoadError);
    assert.match(error.message, /model\.onnx/);
    assert.match(error.message, /download or export it again/);
    return true;
  });
  await assert.rejects(createSession(join(dir, "missing.onnx")), /does not exist/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a model the kit writes runs in ORT and is fed from a token batch", async () => {
  const b = new GraphBuilder("ids_plus_mask");
  b.input("input_ids", DataType.INT64, ["batch", "sequence"]);
  b.input("attention_mask", DataType.INT64, ["batch", "sequence"]);
  const sum = b.op("Add", ["input_ids", "attention_mask"]);
  b.output(sum, DataType.INT64, ["batch", "sequence"], { rename: "logits" });
  const path = join(await Deno.makeTempDir(), "m.onnx");
  await writeModel(path, createModel(b.build()));
  const model = await createSession(path, { intraOpThreads: 1 });
  const batch = syntheticBatch({ size: 2, seqLen: 4, vocabSize: 2000, seed: 3 });
  const out = await model.session.run(batchFeeds({ batch, inputNames: model.inputNames }));
  const values = out.logits.data as BigInt64Array;
  assert.deepEqual([...values], [...batch.inputIds].map((v) => v + 1n));
  await model.session.release();
});
