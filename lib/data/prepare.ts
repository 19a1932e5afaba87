import type { HubDownloadOptions, HubSettings } from "../hub/mod.ts";
import { type Batch, makeBatches } from "./batch.ts";
import { loadTokenizer } from "./load_tokenizer.ts";
import { loadMrpc } from "./mrpc.ts";
import { cachedModelVocabSize, checkVocabularyFits } from "./vocab_check.ts";
import type { MrpcRow, MrpcSplit } from "./rows.ts";
import { DEFAULT_MAX_LENGTH, type EncodedPair, type PairTokenizer } from "./tokenizer.ts";

/** Options for {@link prepareMrpc}. */
export interface PrepareMrpcOptions {
  /** Hub model whose tokenizer encodes the pairs. */
  modelId: string;
  /** Model revision; `main` by default. */
  revision?: string;
  /** Rows per batch; 8 by default. */
  batchSize?: number;
  /** Batch rows of similar length together (longest first); false by default. */
  sortByLength?: boolean;
  /** Longest encoding, special tokens included; 128 by default. */
  maxLength?: number;
  /** Keep only the first `limit` rows of the split (for quick runs). */
  limit?: number;
  /** GLUE MRPC TSV folder to read instead of the hub dataset. */
  dir?: string;
  /** Folder with the tokenizer files to read instead of the hub model. */
  tokenizerDir?: string;
  /**
   * Rows of the model's embedding (`vocab_size`); a tokenizer with more tokens is refused with
   * `VocabularyMismatchError`. Default: read from the model's config.json when it is cached.
   */
  modelVocabSize?: number;
  /** Hub endpoint, token, offline mode and cache folder; defaults to `hubSettings()`. */
  settings?: HubSettings;
  /** Download progress (see `lib/progress`); the hub client's default is on. */
  progress?: HubDownloadOptions["progress"];
}

/** Everything {@link prepareMrpc} produces; `encoded[i]` and `rows[i]` are the same pair. */
export interface PreparedMrpc {
  rows: MrpcRow[];
  encoded: EncodedPair[];
  batches: Batch[];
  tokenizer: PairTokenizer;
}

/**
 * Loads an MRPC split, encodes it with a model's tokenizer and batches it: the one call the demo
 * and the notebooks make before running a model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prepareMrpc } from "./prepare.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/vocab.txt`, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nyes\nno\n");
 * await Deno.writeTextFile(
 *   `${dir}/train.tsv`,
 *   "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tyes\tyes\n0\t3\t4\tyes no\tno\n",
 * );
 * const { rows, batches, tokenizer } = await prepareMrpc("train", {
 *   modelId: "local/yes-no", tokenizerDir: dir, dir, batchSize: 2,
 * });
 * assert.equal(rows.length, 2);
 * assert.equal(tokenizer.vocabSize, 7);
 * assert.equal(batches[0].seqLen, 6);
 * assert.deepEqual([...batches[0].inputIds], [2n, 5n, 3n, 5n, 3n, 0n, 2n, 5n, 6n, 3n, 6n, 3n]);
 * assert.deepEqual(batches[0].labels, [1, 0]);
 * ```
 */
export async function prepareMrpc(
  split: MrpcSplit,
  options: PrepareMrpcOptions,
): Promise<PreparedMrpc> {
  const { modelId, revision, settings, limit, progress } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(`limit ${limit} must be a positive integer (rows to keep)`);
  }
  const [tokenizer, all] = await Promise.all([
    loadTokenizer(modelId, { revision, settings, progress, localDir: options.tokenizerDir }),
    loadMrpc(split, { dir: options.dir, settings, progress }),
  ]);
  const modelVocabSize = options.modelVocabSize ??
    (options.tokenizerDir
      ? undefined
      : await cachedModelVocabSize({ modelId, revision, settings }));
  if (modelVocabSize !== undefined) {
    checkVocabularyFits({
      model: `${modelId}@${revision ?? "main"}`,
      tokenizerVocabSize: tokenizer.vocabSize,
      modelVocabSize,
      tokenizerSource: options.tokenizerDir ?? tokenizer.source,
    });
  }
  const rows = limit === undefined ? all : all.slice(0, limit);
  const encoded = tokenizer.encodePairs(rows, {
    maxLength: options.maxLength ?? DEFAULT_MAX_LENGTH,
  });
  const batches = makeBatches(encoded, rows.map((row) => row.label), {
    batchSize: options.batchSize,
    sortByLength: options.sortByLength,
    padTokenId: tokenizer.padTokenId,
  });
  return { rows, encoded, batches, tokenizer };
}
