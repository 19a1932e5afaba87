import assert from "node:assert/strict";
import { hubSettings } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { prepareMrpc } from "./prepare.ts";
import { mirrorRepoDir, mrpcTsvDir, referencePairs, STANDINS } from "../../tests/support/mirror.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "prepareMrpc: validation split, vocab-only stand-in, batches map back to rows",
  MIRROR,
  async () => {
    const { rows, encoded, batches, tokenizer } = await prepareMrpc("validation", {
      modelId: STANDINS.tiny,
      tokenizerDir: mirrorRepoDir(STANDINS.tiny),
      dir: mrpcTsvDir(),
      batchSize: 16,
      sortByLength: true,
    });
    assert.equal(tokenizer.source, "vocab.txt");
    assert.deepEqual([rows.length, encoded.length, batches.length], [408, 408, 26]);
    assert.deepEqual(batches.map((b) => b.size).slice(-2), [16, 8]);
    // Every row lands in exactly one batch, and its ids sit in the batch's row-major array.
    const seen = batches.flatMap((b) => b.indices).sort((x, y) => x - y);
    assert.deepEqual(seen, rows.map((_, i) => i));
    const reference = await referencePairs(STANDINS.tiny);
    for (const batch of batches) {
      assert.ok(batch.seqLen <= 128);
      batch.indices.forEach((index, row) => {
        const ids = [...batch.inputIds.slice(row * batch.seqLen, (row + 1) * batch.seqLen)];
        const length = encoded[index].inputIds.length;
        assert.deepEqual(ids.slice(0, length).map(Number), encoded[index].inputIds);
        assert.ok(ids.slice(length).every((id) => id === 0n));
        assert.equal(batch.labels[row], rows[index].label);
        if (index < reference.length) {
          assert.deepEqual(encoded[index].inputIds, reference[index].input_ids);
        }
      });
    }
    // Sorted longest first: padded lengths never increase.
    const lengths = batches.map((b) => b.seqLen);
    assert.deepEqual(lengths, [...lengths].sort((x, y) => y - x));
  },
);

Deno.test("prepareMrpc over the hub: first rows, default batch size, maxLength applied", async () => {
  const server = await startHubServer();
  const cacheDir = await Deno.makeTempDir();
  try {
    const settings = hubSettings({ endpoint: server.url, cacheDir, offline: false });
    const { rows, batches, tokenizer } = await prepareMrpc("train", {
      modelId: STANDINS.mini,
      settings,
      limit: 20,
      maxLength: 24,
      progress: false,
    });
    assert.equal(tokenizer.source, "tokenizer.json");
    assert.equal(rows.length, 20);
    assert.deepEqual(batches.map((b) => [b.size, b.seqLen]), [[8, 24], [8, 24], [4, 24]]);
    assert.deepEqual(batches[0].indices, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(batches[0].labels, rows.slice(0, 8).map((row) => row.label));
    await assert.rejects(
      prepareMrpc("train", { modelId: STANDINS.mini, settings, limit: 0 }),
      RangeError,
    );
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
