import * as transformers from "@huggingface/transformers";
import { PreTrainedTokenizer } from "@huggingface/transformers";
import { BatchError, TokenizerLoadError } from "./errors.ts";
import { truncatePair } from "./truncate.ts";

/** A sentence pair to encode (an `MrpcRow` fits). */
export interface SentencePair {
  sentence1: string;
  sentence2: string;
}

/** One encoded pair, unpadded: `[CLS] sentence1 [SEP] sentence2 [SEP]` for BERT models. */
export interface EncodedPair {
  inputIds: number[];
  attentionMask: number[];
}

/** Options for {@link PairTokenizer.encodePairs}. */
export interface EncodePairsOptions {
  /** Longest encoding, special tokens included; longer pairs are truncated longest-first. */
  maxLength?: number;
}

/** The default `maxLength` of {@link PairTokenizer.encodePairs}, as in the GLUE recipes. */
export const DEFAULT_MAX_LENGTH = 128;

/** Where a {@link PairTokenizer} came from. */
export interface PairTokenizerInfo {
  /** Hub model id (or a name for a local folder). */
  modelId: string;
  revision?: string;
  /** `tokenizer.json` when the repo ships one, `vocab.txt` when the definition was built. */
  source: "tokenizer.json" | "vocab.txt";
}

/**
 * Encodes sentence pairs for sequence classification with a transformers.js tokenizer, truncating
 * longest-first as Hugging Face's fast tokenizers do (`truncation=True`). Build one with
 * `loadTokenizer` or {@link createPairTokenizer}.
 */
export class PairTokenizer {
  /** The transformers.js tokenizer underneath, for decoding or anything else. */
  readonly tokenizer: PreTrainedTokenizer;
  readonly modelId: string;
  readonly revision?: string;
  readonly source: "tokenizer.json" | "vocab.txt";
  /** Tokens in the vocabulary, added tokens included (30,522 for `bert-base-uncased`). */
  readonly vocabSize: number;
  /** Id of the padding token (0 for BERT). */
  readonly padTokenId: number;
  /** Special tokens the pair template adds (3 for BERT: `[CLS]`, `[SEP]`, `[SEP]`). */
  readonly numSpecialTokens: number;
  /** Longest input the model takes (`model_max_length` of the tokenizer config). */
  readonly modelMaxLength: number;
  readonly #unkTokenId: number;

  constructor(tokenizer: PreTrainedTokenizer, info: PairTokenizerInfo) {
    this.tokenizer = tokenizer;
    this.modelId = info.modelId;
    this.revision = info.revision;
    this.source = info.source;
    this.vocabSize = tokenizer.get_vocab().size;
    this.padTokenId = tokenizer.pad_token_id ?? 0;
    this.#unkTokenId = tokenizer.unk_token_id;
    this.numSpecialTokens = this.#postProcess([], []).length;
    this.modelMaxLength = tokenizer.model_max_length ?? Infinity;
  }

  /** The model id (same as `modelId`), for reports. */
  get name(): string {
    return this.modelId;
  }

  /** `modelId@revision` (or the model id alone for a local folder), for messages. */
  get label(): string {
    return this.revision ? `${this.modelId}@${this.revision}` : this.modelId;
  }

  /**
   * Encodes one pair, truncated longest-first to `maxLength` tokens (special tokens included).
   */
  encodePair(sentence1: string, sentence2: string, options: EncodePairsOptions = {}): EncodedPair {
    const maxLength = this.#checkMaxLength(options.maxLength ?? DEFAULT_MAX_LENGTH);
    const [first, second] = truncatePair(
      this.tokenizer.tokenize(sentence1),
      this.tokenizer.tokenize(sentence2),
      maxLength - this.numSpecialTokens,
    );
    const tokens = this.#postProcess(first, second);
    const inputIds = tokens.map((token) =>
      this.tokenizer._tokenizer.token_to_id(token) ?? this.#unkTokenId
    );
    return { inputIds, attentionMask: new Array(inputIds.length).fill(1) };
  }

  /**
   * Encodes pairs in order; see {@link PairTokenizer.encodePair}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { createPairTokenizer } from "./tokenizer.ts";
   * import { bertTokenizerDefinition } from "./wordpiece.ts";
   * const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "##s", "."];
   * const tokenizer = createPairTokenizer(bertTokenizerDefinition(vocab, {}), {}, {
   *   modelId: "tiny", source: "vocab.txt",
   * });
   * const [pair] = tokenizer.encodePairs([{ sentence1: "The cats sat.", sentence2: "Dog" }]);
   * assert.deepEqual(pair.inputIds, [2, 5, 6, 8, 7, 9, 3, 1, 3]);
   * assert.deepEqual(pair.attentionMask, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
   * const [short] = tokenizer.encodePairs([{ sentence1: "The cats sat.", sentence2: "Dog" }], {
   *   maxLength: 6,
   * });
   * assert.deepEqual(short.inputIds, [2, 5, 6, 3, 1, 3]);
   * ```
   */
  encodePairs(rows: readonly SentencePair[], options: EncodePairsOptions = {}): EncodedPair[] {
    return rows.map((row) => this.encodePair(row.sentence1, row.sentence2, options));
  }

  /** Decodes ids back to text (special tokens dropped unless `skipSpecialTokens` is false). */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? true,
    });
  }

  #postProcess(first: string[], second: string[]): string[] {
    const processor = this.tokenizer._tokenizer.post_processor;
    if (!processor) return [...first, ...second];
    const out = processor.post_process(first, second, true);
    return out.tokens_pair ? [...out.tokens, ...out.tokens_pair] : out.tokens;
  }

  #checkMaxLength(maxLength: number): number {
    if (!Number.isInteger(maxLength) || maxLength < this.numSpecialTokens) {
      throw new BatchError(
        `maxLength ${maxLength} for ${this.label}: use an integer of at least ` +
          `${this.numSpecialTokens} (the special tokens of a pair), e.g. ${DEFAULT_MAX_LENGTH}`,
      );
    }
    if (maxLength > this.modelMaxLength) {
      throw new BatchError(
        `maxLength ${maxLength} exceeds ${this.label}'s model_max_length ${this.modelMaxLength}; ` +
          `use at most ${this.modelMaxLength}`,
      );
    }
    return maxLength;
  }
}

/**
 * Builds a {@link PairTokenizer} from a parsed `tokenizer.json` and `tokenizer_config.json`, with
 * transformers.js' `AutoTokenizer` semantics: the class named by `tokenizer_class` (without a
 * `Fast` suffix) when transformers.js has it, else `PreTrainedTokenizer`. Throws
 * {@link TokenizerLoadError} when transformers.js cannot build it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createPairTokenizer } from "./tokenizer.ts";
 * import { bertTokenizerDefinition } from "./wordpiece.ts";
 * const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hi"];
 * const tokenizer = createPairTokenizer(
 *   bertTokenizerDefinition(vocab, {}),
 *   { tokenizer_class: "DistilBertTokenizer", pad_token: "[PAD]" },
 *   { modelId: "local/tiny", source: "vocab.txt" },
 * );
 * assert.equal(tokenizer.tokenizer.constructor.name, "DistilBertTokenizer");
 * assert.equal(tokenizer.vocabSize, 6);
 * assert.equal(tokenizer.numSpecialTokens, 3);
 * ```
 */
export function createPairTokenizer(
  tokenizerJson: object,
  tokenizerConfig: Record<string, unknown>,
  info: PairTokenizerInfo,
): PairTokenizer {
  const className = typeof tokenizerConfig.tokenizer_class === "string"
    ? tokenizerConfig.tokenizer_class.replace(/Fast$/, "")
    : "PreTrainedTokenizer";
  const candidate = (transformers as Record<string, unknown>)[className];
  const TokenizerClass = typeof candidate === "function" &&
      (candidate === PreTrainedTokenizer || candidate.prototype instanceof PreTrainedTokenizer)
    ? candidate as typeof PreTrainedTokenizer
    : PreTrainedTokenizer;
  let tokenizer: PreTrainedTokenizer;
  try {
    tokenizer = new TokenizerClass(tokenizerJson, tokenizerConfig);
  } catch (error) {
    const where = info.revision ? `${info.modelId}@${info.revision}` : info.modelId;
    throw new TokenizerLoadError(
      `${where}: transformers.js could not build the tokenizer from ${info.source} ` +
        `(${(error as Error).message})`,
      { cause: error },
    );
  }
  return new PairTokenizer(tokenizer, info);
}
