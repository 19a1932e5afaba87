import { TokenizerLoadError } from "./errors.ts";

/** A `tokenizer_config.json` (merged with `special_tokens_map.json`), as parsed JSON. */
export type TokenizerConfig = Record<string, unknown>;

/** The special tokens of BERT's WordPiece tokenizers and their defaults in `BertTokenizer`. */
export const BERT_SPECIAL_TOKENS = {
  unk_token: "[UNK]",
  sep_token: "[SEP]",
  pad_token: "[PAD]",
  cls_token: "[CLS]",
  mask_token: "[MASK]",
} as const;

/**
 * Reads a special token from a tokenizer config: a plain string, or an `AddedToken` object
 * (`{ "__type": "AddedToken", "content": "[CLS]" }`, as older configs write them). Returns
 * `fallback` when the key is absent or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { specialToken } from "./wordpiece.ts";
 * assert.equal(specialToken({ cls_token: { __type: "AddedToken", content: "<s>" } }, "cls_token", "[CLS]"), "<s>");
 * assert.equal(specialToken({}, "cls_token", "[CLS]"), "[CLS]");
 * ```
 */
export function specialToken(config: TokenizerConfig, key: string, fallback: string): string {
  const value = config[key];
  if (typeof value === "string") return value;
  if (
    value && typeof value === "object" &&
    typeof (value as { content?: unknown }).content === "string"
  ) {
    return (value as { content: string }).content;
  }
  return fallback;
}

/**
 * Parses a WordPiece `vocab.txt`: one token per line, the id is the 0-based line number (as
 * `transformers.load_vocab` reads it; only the line end is stripped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseVocabTxt } from "./wordpiece.ts";
 * assert.deepEqual(parseVocabTxt("[PAD]\n[UNK]\r\nhello\n##s\n"), ["[PAD]", "[UNK]", "hello", "##s"]);
 * ```
 */
export function parseVocabTxt(text: string): string[] {
  const lines = text.split("\n").map((line) => line.replace(/\r$/, ""));
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Options for {@link bertTokenizerDefinition}. */
export interface BertTokenizerDefinitionOptions {
  /** Names the vocabulary in error messages (model id and revision, or a path). */
  source?: string;
}

/**
 * Builds the `tokenizer.json` definition that Hugging Face's `BertConverter` produces for a
 * vocab-only BERT-family repo (`vocab.txt` + `tokenizer_config.json`): normalizer `BertNormalizer`
 * (lowercase from `do_lower_case`, default true; `strip_accents`; `tokenize_chinese_chars`,
 * default true), pre-tokenizer `BertPreTokenizer`, model `WordPiece` (`[UNK]`, `##`, 100 chars per
 * word), post-processor `[CLS] $A [SEP] $B:1 [SEP]:1`, decoder `WordPiece`. The special tokens
 * become added tokens so they are never split. Throws {@link TokenizerLoadError} when a special
 * token is not in the vocabulary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bertTokenizerDefinition } from "./wordpiece.ts";
 * const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##s"];
 * const json = bertTokenizerDefinition(vocab, { do_lower_case: false });
 * assert.equal(json.model.vocab["##s"], 6);
 * assert.equal(json.normalizer.lowercase, false);
 * assert.deepEqual(json.post_processor.special_tokens["[SEP]"].ids, [3]);
 * ```
 */
export function bertTokenizerDefinition(
  vocab: readonly string[],
  config: TokenizerConfig,
  options: BertTokenizerDefinitionOptions = {},
) {
  const source = options.source ?? "vocab.txt";
  // A null-prototype object, so tokens such as "__proto__" or "constructor" are plain keys.
  const ids: Record<string, number> = Object.create(null);
  vocab.forEach((token, id) => ids[token] = id);
  const idOf = (key: keyof typeof BERT_SPECIAL_TOKENS) => {
    const token = specialToken(config, key, BERT_SPECIAL_TOKENS[key]);
    const id = ids[token];
    if (id === undefined) {
      throw new TokenizerLoadError(
        `${source}: the ${key} "${token}" is not in the vocabulary (${vocab.length} tokens); ` +
          `fix ${key} in tokenizer_config.json or special_tokens_map.json`,
      );
    }
    return { token, id };
  };
  const special = (Object.keys(BERT_SPECIAL_TOKENS) as (keyof typeof BERT_SPECIAL_TOKENS)[])
    .map(idOf);
  const cls = idOf("cls_token");
  const sep = idOf("sep_token");
  const unk = idOf("unk_token");
  const addedTokens = [...new Map(special.map((s) => [s.id, s])).values()]
    .sort((a, b) => a.id - b.id)
    .map(({ token, id }) => ({
      id,
      content: token,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    }));
  const specialItem = (token: string, typeId: number) => ({
    SpecialToken: { id: token, type_id: typeId },
  });
  const sequence = (id: "A" | "B", typeId: number) => ({ Sequence: { id, type_id: typeId } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars !== false,
      strip_accents: typeof config.strip_accents === "boolean" ? config.strip_accents : null,
      lowercase: config.do_lower_case !== false,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [specialItem(cls.token, 0), sequence("A", 0), specialItem(sep.token, 0)],
      pair: [
        specialItem(cls.token, 0),
        sequence("A", 0),
        specialItem(sep.token, 0),
        sequence("B", 1),
        specialItem(sep.token, 1),
      ],
      special_tokens: {
        [cls.token]: { id: cls.token, ids: [cls.id], tokens: [cls.token] },
        [sep.token]: { id: sep.token, ids: [sep.id], tokens: [sep.token] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: unk.token,
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}
