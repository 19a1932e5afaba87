import assert from "node:assert/strict";
import { join } from "node:path";
import { hubSettings } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { BatchError, TokenizerLoadError } from "./errors.ts";
import { loadTokenizer } from "./load_tokenizer.ts";
import { readMrpcParquet } from "./parquet.ts";
import { bertTokenizerDefinition, parseVocabTxt } from "./wordpiece.ts";
import {
  mirrorParquetPath,
  mirrorRepoDir,
  referencePairs,
  STANDINS,
} from "../../tests/support/mirror.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "both stand-ins' tokenizers reproduce reference_logits.json input_ids (local folders)",
  MIRROR,
  async () => {
    for (const repo of [STANDINS.mini, STANDINS.tiny]) {
      const tokenizer = await loadTokenizer(repo, { localDir: mirrorRepoDir(repo) });
      assert.equal(tokenizer.source, repo === STANDINS.mini ? "tokenizer.json" : "vocab.txt");
      assert.equal(tokenizer.tokenizer.constructor.name, "DistilBertTokenizer");
      assert.equal(tokenizer.vocabSize, 30522);
      assert.equal(tokenizer.padTokenId, 0);
      assert.equal(tokenizer.numSpecialTokens, 3);
      const pairs = await referencePairs(repo);
      assert.equal(pairs.length, 32);
      const encoded = tokenizer.encodePairs(pairs);
      encoded.forEach((pair, i) => {
        assert.deepEqual(pair.inputIds, pairs[i].input_ids, `${repo} pair ${i}`);
        assert.deepEqual(pair.attentionMask, new Array(pairs[i].input_ids.length).fill(1));
      });
    }
  },
);

extendedTest(
  "the vocab.txt definition equals the mini stand-in's own tokenizer.json",
  MIRROR,
  async () => {
    const dir = mirrorRepoDir(STANDINS.mini);
    const vocab = parseVocabTxt(await Deno.readTextFile(join(dir, "vocab.txt")));
    const config = JSON.parse(await Deno.readTextFile(join(dir, "tokenizer_config.json")));
    const shipped = JSON.parse(await Deno.readTextFile(join(dir, "tokenizer.json")));
    assert.equal(vocab.length, 30522);
    assert.deepEqual(JSON.parse(JSON.stringify(bertTokenizerDefinition(vocab, config))), shipped);
  },
);

Deno.test("tokenizers load through the hub client: tokenizer.json repo and vocab-only repo", async () => {
  const server = await startHubServer();
  const cacheDir = await Deno.makeTempDir();
  try {
    const settings = hubSettings({ endpoint: server.url, cacheDir, offline: false });
    for (const repo of [STANDINS.mini, STANDINS.tiny]) {
      const tokenizer = await loadTokenizer(repo, { settings, progress: false });
      assert.equal(tokenizer.name, repo);
      assert.equal(tokenizer.label, `${repo}@main`);
      const pairs = await referencePairs(repo);
      assert.deepEqual(
        tokenizer.encodePairs(pairs).map((pair) => pair.inputIds),
        pairs.map((pair) => pair.input_ids),
      );
    }
    const tiny = `/${STANDINS.tiny}/resolve/main`;
    assert.ok(server.requests.includes(`HEAD ${tiny}/tokenizer.json`));
    assert.ok(server.requests.includes(`GET ${tiny}/vocab.txt`));
    assert.ok(!server.requests.includes(`GET ${tiny}/tokenizer.json`));
    assert.ok(server.requests.includes(`GET /${STANDINS.mini}/resolve/main/tokenizer.json`));
    // Offline, the cached files are enough.
    const offline = hubSettings({ endpoint: server.url, cacheDir, offline: true });
    const before = server.requests.length;
    const cached = await loadTokenizer(STANDINS.tiny, { settings: offline });
    assert.equal(cached.source, "vocab.txt");
    assert.equal(server.requests.length, before);
    await assert.rejects(
      loadTokenizer("standin/no-such-model", { settings, progress: false }),
      (error: unknown) =>
        error instanceof TokenizerLoadError &&
        error.message.startsWith(
          "standin/no-such-model@main: has neither tokenizer.json nor vocab.txt",
        ),
    );
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

extendedTest(
  "both tokenizers agree on every train and validation pair, within seconds",
  MIRROR,
  async () => {
    const mini = await loadTokenizer(STANDINS.mini, { localDir: mirrorRepoDir(STANDINS.mini) });
    const tiny = await loadTokenizer(STANDINS.tiny, { localDir: mirrorRepoDir(STANDINS.tiny) });
    const train = await readMrpcParquet(mirrorParquetPath("train"), "train");
    const validation = await readMrpcParquet(mirrorParquetPath("validation"), "validation");
    const start = performance.now();
    const fromJson = mini.encodePairs(train);
    const seconds = (performance.now() - start) / 1000;
    console.log(`encoded ${train.length} train pairs in ${seconds.toFixed(2)} s`);
    assert.ok(seconds < 10, `tokenizing MRPC train took ${seconds.toFixed(1)} s`);
    const fromVocab = tiny.encodePairs(train);
    assert.deepEqual(fromVocab, fromJson);
    assert.deepEqual(tiny.encodePairs(validation), mini.encodePairs(validation));
    // MRPC's longest train pair is 103 tokens, so the default maxLength 128 truncates nothing.
    assert.equal(Math.max(...fromJson.map((pair) => pair.inputIds.length)), 103);
    assert.ok(fromJson.every((pair) => pair.inputIds[0] === 101 && pair.inputIds.at(-1) === 102));
  },
);

extendedTest(
  "truncation is longest-first and keeps [CLS] ... [SEP] ... [SEP]",
  MIRROR,
  async () => {
    const tokenizer = await loadTokenizer(STANDINS.tiny, {
      localDir: mirrorRepoDir(STANDINS.tiny),
    });
    const [first, second] = await referencePairs(STANDINS.tiny);
    const a = tokenizer.encodePair(first.sentence1, "x", { maxLength: 512 }).inputIds.slice(1, -3);
    const b = tokenizer.encodePair("x", second.sentence2, { maxLength: 512 }).inputIds.slice(3, -1);
    assert.deepEqual([a.length, b.length], [23, 25]);
    // Budget 32 - 3 = 29 < 23 + 25: both are cut, to 14 and 15 (the longer keeps the odd token).
    const cut = tokenizer.encodePair(first.sentence1, second.sentence2, { maxLength: 32 });
    assert.deepEqual(cut.inputIds, [101, ...a.slice(0, 14), 102, ...b.slice(0, 15), 102]);
    // Budget 47: only the longer one (25) is cut, to 47 - 23 = 24.
    const longer = tokenizer.encodePair(first.sentence1, second.sentence2, { maxLength: 50 });
    assert.deepEqual(longer.inputIds, [101, ...a, 102, ...b.slice(0, 24), 102]);
    // Budget 45: 45 - 23 = 22 would leave the longer one shorter, so both are cut, to 22 and 23.
    const even = tokenizer.encodePair(first.sentence1, second.sentence2, { maxLength: 48 });
    assert.deepEqual(even.inputIds, [101, ...a.slice(0, 22), 102, ...b.slice(0, 23), 102]);
    assert.equal(cut.attentionMask.length, 32);
    assert.throws(() => tokenizer.encodePair("a", "b", { maxLength: 2 }), BatchError);
    assert.throws(() => tokenizer.encodePair("a", "b", { maxLength: 513 }), /model_max_length 512/);
  },
);

Deno.test("vocab-only configs: do_lower_case, accents, CJK and special-token checks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const vocab = [
      "[PAD]",
      "[UNK]",
      "[CLS]",
      "[SEP]",
      "[MASK]",
      "hello",
      "Hello",
      "cafe",
      "Café",
      "北",
      "京",
    ];
    await Deno.writeTextFile(join(dir, "vocab.txt"), vocab.join("\n") + "\n");
    const lower = await loadTokenizer("local/t", { localDir: dir });
    assert.deepEqual(lower.encodePair("Hello Café", "北京").inputIds, [2, 5, 7, 3, 9, 10, 3]);
    await Deno.writeTextFile(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ do_lower_case: false }),
    );
    const cased = await loadTokenizer("local/t", { localDir: dir });
    assert.deepEqual(cased.encodePair("Hello Café", "hello").inputIds, [2, 6, 8, 3, 5, 3]);
    // special_tokens_map.json overrides the config; a token missing from the vocabulary is named.
    await Deno.writeTextFile(
      join(dir, "special_tokens_map.json"),
      JSON.stringify({ cls_token: "<s>" }),
    );
    await assert.rejects(
      loadTokenizer("local/t", { localDir: dir }),
      (error: unknown) =>
        error instanceof TokenizerLoadError &&
        error.message.includes('the cls_token "<s>" is not in the vocabulary'),
    );
    await Deno.writeTextFile(join(dir, "special_tokens_map.json"), "{ not json");
    await assert.rejects(
      loadTokenizer("local/t", { localDir: dir }),
      /special_tokens_map\.json is not valid JSON/,
    );
    const empty = await Deno.makeTempDir();
    await assert.rejects(
      loadTokenizer("local/empty", { localDir: empty }),
      (error: unknown) =>
        error instanceof TokenizerLoadError &&
        error.message.startsWith(
          `local/empty (${empty}): has neither tokenizer.json nor vocab.txt`,
        ),
    );
    await Deno.remove(empty);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode turns ids back into lowercased text", async () => {
  const tokenizer = await loadTokenizer(STANDINS.mini, { localDir: mirrorRepoDir(STANDINS.mini) });
  const [pair] = await referencePairs(STANDINS.mini);
  assert.equal(
    tokenizer.decode(pair.input_ids),
    "he said the foodservice pie business doesn't fit the company's long - term growth strategy. " +
      '" the foodservice pie business does not fit our long - term growth strategy.',
  );
});
