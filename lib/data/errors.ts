/**
 * A data file could not be used as MRPC: a TSV line with the wrong number of fields, a label that is
 * not 0/1, an empty sentence, or a parquet file without one of the expected columns. The message
 * starts with `path:line` (TSV) or names the file and column (parquet), then says what is wrong
 * and how to fix it.
 */
export class MrpcFormatError extends Error {
  override name = "MrpcFormatError";
  /** The file that was being read. */
  readonly path: string;
  /** 1-based line number in a TSV file, or undefined for whole-file and parquet errors. */
  readonly line?: number;

  constructor(message: string, options: { path: string; line?: number }) {
    super(message);
    this.path = options.path;
    this.line = options.line;
  }
}

/**
 * A tokenizer could not be built: the repo has neither `tokenizer.json` nor `vocab.txt`, a file is
 * not valid JSON, or a special token is missing from the vocabulary. The message names the model
 * id and revision (or the local folder) and the file.
 */
export class TokenizerLoadError extends Error {
  override name = "TokenizerLoadError";
}

/** Invalid arguments to `makeBatches` or `encodePairs` (lengths differ, bad sizes). */
export class BatchError extends Error {
  override name = "BatchError";
}

/**
 * The tokenizer produces ids the model has no embedding for (its vocabulary is larger than the
 * model's `vocab_size`): ONNX Runtime would fail with a bare Gather "indices out of bounds".
 */
export class VocabularyMismatchError extends Error {
  override name = "VocabularyMismatchError";
}
