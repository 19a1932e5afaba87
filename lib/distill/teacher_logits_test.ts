import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareMrpc } from "../data/prepare.ts";
import { batchFeeds, createSession } from "../runtime/mod.ts";
import { mirrorRepoDir, mrpcTsvDir, STANDINS } from "../../tests/support/mirror.ts";
import { teacherLogits } from "./teacher_logits.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const modelPath = join(dir, "onnx", "model.onnx");
const prepare = (limit: number, maxLength = 128) =>
  prepareMrpc("validation", {
    modelId: STANDINS.mini,
    tokenizerDir: dir,
    dir: mrpcTsvDir(),
    limit,
    maxLength,
    progress: false,
  });

extendedTest(
  "teacher logits: computed once with ORT in dataset order, then read from the cache",
  MIRROR,
  async () => {
    const cacheDir = await Deno.makeTempDir();
    const data = await prepare(40);
    const options = {
      modelPath,
      modelId: STANDINS.mini,
      split: "validation",
      encoded: data.encoded,
      labels: data.rows.map((r) => r.label),
      cacheDir,
      batchSize: 16,
      progress: false,
    } as const;
    const first = await teacherLogits(options);
    assert.equal(first.source, "onnxruntime");
    assert.equal(first.rows, 40);
    assert.equal(first.numLabels, 2);
    assert.equal(first.logits.length, 80);
    assert.equal(first.metrics?.count, 40);
    // Row order: row 7 alone through ORT gives the same logits as row 7 of the result.
    const ort = await createSession(modelPath, { intraOpThreads: 1 });
    const row = data.encoded[7];
    const single = {
      size: 1,
      seqLen: row.inputIds.length,
      inputIds: BigInt64Array.from(row.inputIds.map(BigInt)),
      attentionMask: BigInt64Array.from(row.attentionMask.map(BigInt)),
    };
    const out = await ort.session.run(batchFeeds({ batch: single, inputNames: ort.inputNames }));
    await ort.session.release();
    const alone = out.logits.data as Float32Array;
    for (let k = 0; k < 2; k++) assert.ok(Math.abs(alone[k] - first.logits[14 + k]) < 1e-4);

    // The cache: one finished file, no temporary left behind.
    const files = [
      ...Deno.readDirSync(join(cacheDir, "standin--distilbert-mini-uncased-mrpc", "main")),
    ];
    assert.deepEqual(files.map((f) => f.name), [first.path!.split("/").at(-1)]);
    const mtime = (await Deno.stat(first.path!)).mtime!.getTime();

    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await teacherLogits(options);
    assert.equal(second.source, "cache");
    assert.equal(second.path, first.path);
    assert.deepEqual(second.logits, first.logits);
    assert.equal(
      (await Deno.stat(first.path!)).mtime!.getTime(),
      mtime,
      "the cache is not rewritten",
    );

    // Other rows (or another max length) are another key: computed, in another file.
    const shorter = await teacherLogits({
      ...options,
      encoded: (await prepare(40, 32)).encoded,
      maxLength: 32,
    });
    assert.equal(shorter.source, "onnxruntime");
    assert.notEqual(shorter.path, first.path);
    const fewer = await teacherLogits({
      ...options,
      encoded: data.encoded.slice(0, 39),
      labels: options.labels.slice(0, 39),
    });
    assert.equal(fewer.source, "onnxruntime");
    assert.notEqual(fewer.key, first.key);
  },
);

Deno.test("teacher logits: a truncated cache file is computed again and replaced atomically", async () => {
  const cacheDir = await Deno.makeTempDir();
  const data = await prepare(12);
  const options = {
    modelPath,
    modelId: STANDINS.mini,
    split: "validation",
    encoded: data.encoded,
    cacheDir,
    progress: false,
  };
  const first = await teacherLogits(options);
  const bytes = await Deno.readFile(first.path!);
  await Deno.writeFile(first.path!, bytes.subarray(0, bytes.length - 10)); // an interrupted write
  const again = await teacherLogits(options);
  assert.equal(again.source, "onnxruntime");
  assert.deepEqual(again.logits, first.logits);
  assert.equal((await Deno.readFile(first.path!)).length, bytes.length);
  assert.equal((await teacherLogits(options)).source, "cache");
  const names = [...Deno.readDirSync(join(first.path!, ".."))].map((f) => f.name);
  assert.equal(names.length, 1, `only the cache file: ${names}`);
  // cache: false neither reads nor writes.
  const uncached = await teacherLogits({ ...options, cache: false });
  assert.equal(uncached.source, "onnxruntime");
  assert.equal(uncached.path, undefined);
});
