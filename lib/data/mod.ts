/**
 * MRPC data and tokenization: load GLUE MRPC (hub parquet or GLUE TSV), encode sentence pairs with
 * a model's tokenizer (transformers.js; vocab-only BERT repos included) and batch them into padded
 * int64 arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeBatches } from "./mod.ts";
 * const [batch] = makeBatches([{ inputIds: [101, 102], attentionMask: [1, 1] }], [1]);
 * assert.equal(batch.seqLen, 2);
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./rows.ts";
export * from "./tsv.ts";
export * from "./parquet.ts";
export * from "./parquet_write.ts";
export * from "./mrpc.ts";
export * from "./repo_files.ts";
export * from "./wordpiece.ts";
export * from "./truncate.ts";
export * from "./tokenizer.ts";
export * from "./load_tokenizer.ts";
export * from "./batch.ts";
export * from "./prepare.ts";
export * from "./vocab_check.ts";
export * from "./figures.ts";
export * from "./frame.ts";
