/**
 * `deno task export` end to end on the mini stand-in: every transformers.js dtype written in hub
 * layout with its model card, and each file loaded by `@huggingface/transformers` itself (a
 * text-classification pipeline over the local folder, no network) predicting what the kit's own
 * evaluation of the same file predicts.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pipeline } from "@huggingface/transformers";
import { STANDINS } from "./support/mirror.ts";
import { standinMrpc } from "./support/mrpc.ts";
import { runTaskWithOut, withLocalTransformersJs } from "./support/task_output.ts";
import { evaluateClassifier } from "../lib/eval/mod.ts";
import { createSession } from "../lib/runtime/mod.ts";
import { DTYPE_FILES, EXPORT_DTYPES } from "../lib/workshop/mod.ts";

/** Pairs compared (all of them on the fixture hub, which has 40). */
const MAX_PAIRS = 48;

Deno.test("deno task export writes every dtype, and transformers.js predicts what the kit predicts", async () => {
  const result = await runTaskWithOut("export", {
    args: ["--model", STANDINS.mini, "--dtypes", "all", "--limit", "64"],
    folder: "mini-dtypes",
  });
  assert.equal(result.code, 0, result.stderr);
  console.log(result.stdout);
  const { out } = result;
  const card = await Deno.readTextFile(join(out, "README.md"));
  for (const dtype of EXPORT_DTYPES) {
    assert.match(card, new RegExp(`^\\| ${dtype} \\| \`onnx/${DTYPE_FILES[dtype]}\``, "m"));
  }
  const { validation } = await standinMrpc();
  const PAIRS = Math.min(MAX_PAIRS, validation.rows.length);
  await withLocalTransformersJs(out, async (modelId) => {
    for (const dtype of EXPORT_DTYPES) {
      const path = join(out, "onnx", DTYPE_FILES[dtype]);
      const session = await createSession(path);
      const kit = await evaluateClassifier(session, validation.batches, { progress: false });
      await session.session.release();
      const classify = await pipeline("text-classification", modelId, { dtype });
      // The pipeline call itself (single texts) …
      const [single] = await classify("The cat sat on the mat.") as { label: string }[];
      assert.ok(["equivalent", "not_equivalent"].includes(single.label), single.label);
      // … and, for sentence pairs (the pipeline takes no text_pair), its tokenizer and model.
      let same = 0;
      for (let i = 0; i < PAIRS; i++) {
        const row = validation.rows[i];
        const inputs = classify.tokenizer(row.sentence1, { text_pair: row.sentence2 });
        const logits = (await classify.model(inputs)).logits.tolist()[0] as number[];
        const predicted = logits[1] > logits[0] ? 1 : 0;
        if (predicted === kit.predictions[i]) same++;
      }
      await classify.dispose();
      console.log(`${dtype}: transformers.js agrees with the kit on ${same}/${PAIRS} pairs`);
      assert.equal(same, PAIRS, dtype);
    }
  });
});
