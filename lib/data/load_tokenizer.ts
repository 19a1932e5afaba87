import { readFile } from "node:fs/promises";
import { CACHE_REPAIR_COMMAND, type HubDownloadOptions, type HubSettings } from "../hub/mod.ts";
import { TokenizerLoadError } from "./errors.ts";
import { hubRepoFiles, localRepoFiles, type RepoFiles } from "./repo_files.ts";
import { createPairTokenizer, type PairTokenizer } from "./tokenizer.ts";
import {
  BERT_SPECIAL_TOKENS,
  bertTokenizerDefinition,
  parseVocabTxt,
  type TokenizerConfig,
} from "./wordpiece.ts";

/** Options for {@link loadTokenizer}. */
export interface LoadTokenizerOptions {
  /** Hub revision (branch, tag or commit); `main` by default. */
  revision?: string;
  /** Hub endpoint, token, offline mode and cache folder; defaults to `hubSettings()`. */
  settings?: HubSettings;
  /** Read the tokenizer files from this folder instead of the hub (e.g. a repo snapshot). */
  localDir?: string;
  /** Download progress (see `lib/progress`); the hub client's default is on. */
  progress?: HubDownloadOptions["progress"];
  signal?: AbortSignal;
}

/** The special-token keys `special_tokens_map.json` may set; they override the tokenizer config. */
const SPECIAL_TOKEN_KEYS = [
  "bos_token",
  "eos_token",
  "unk_token",
  "sep_token",
  "pad_token",
  "cls_token",
  "mask_token",
  "additional_special_tokens",
];

/** The JSON definition and config of a repo's tokenizer, as transformers.js takes them. */
export interface TokenizerDefinition {
  /** `tokenizer.json`'s content (built from `vocab.txt` for BERT repos without one). */
  json: Record<string, unknown>;
  /** `tokenizer_config.json` with `special_tokens_map.json` applied. */
  config: TokenizerConfig;
  source: "tokenizer.json" | "vocab.txt";
}

/**
 * Reads a repo's tokenizer definition: its `tokenizer.json`, or — for BERT repos that ship only
 * `vocab.txt`, like `textattack/distilbert-base-uncased-MRPC` — the equivalent WordPiece definition
 * built from the vocabulary and tokenizer config.
 *
 * @example
 * ```ts ignore
 * const { json, source } = await tokenizerDefinition("textattack/distilbert-base-uncased-MRPC");
 * ```
 */
export async function tokenizerDefinition(
  modelId: string,
  options: LoadTokenizerOptions = {},
): Promise<TokenizerDefinition> {
  const { revision, settings, localDir, progress, signal } = options;
  const files = localDir
    ? localRepoFiles(localDir)
    : hubRepoFiles({ repo: modelId, revision, settings, progress, signal });
  const where = localDir ? `${modelId} (${files.label})` : files.label;
  const config: TokenizerConfig = {
    ...await readOptionalJson(files, "tokenizer_config.json", where),
    ...pickSpecialTokens(await readOptionalJson(files, "special_tokens_map.json", where)),
  };
  if (await files.has("tokenizer.json")) {
    return {
      json: await readJson(files, "tokenizer.json", where),
      config,
      source: "tokenizer.json",
    };
  }
  if (await files.has("vocab.txt")) {
    const vocab = parseVocabTxt(await readFile(await files.path("vocab.txt"), "utf8"));
    const json = bertTokenizerDefinition(vocab, config, { source: `${where}: vocab.txt` });
    const bertConfig = { tokenizer_class: "BertTokenizer", ...BERT_SPECIAL_TOKENS, ...config };
    return { json, config: bertConfig, source: "vocab.txt" };
  }
  throw new TokenizerLoadError(
    `${where}: has neither tokenizer.json nor vocab.txt, so no tokenizer can be built; use a ` +
      `model repo that ships its tokenizer (or copy the base model's tokenizer files into it)`,
  );
}

/**
 * Loads the tokenizer of a hub model (or of a local folder with `localDir`) as a
 * {@link PairTokenizer}. A repo with `tokenizer.json` is built as transformers.js' `AutoTokenizer`
 * builds it (from `tokenizer.json` + `tokenizer_config.json`). A vocab-only repo (`vocab.txt`, like
 * `textattack/distilbert-base-uncased-MRPC`) gets the BERT WordPiece definition Hugging Face's
 * converter would write, from `vocab.txt`, `tokenizer_config.json` and `special_tokens_map.json`.
 * Throws {@link TokenizerLoadError} naming the model id and revision when neither file exists.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadTokenizer } from "./load_tokenizer.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/vocab.txt`, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nyes\nno\n");
 * const tokenizer = await loadTokenizer("local/yes-no", { localDir: dir });
 * assert.equal(tokenizer.source, "vocab.txt");
 * const [pair] = tokenizer.encodePairs([{ sentence1: "Yes", sentence2: "no maybe" }]);
 * assert.deepEqual(pair.inputIds, [2, 5, 3, 6, 1, 3]);
 * ```
 */
export async function loadTokenizer(
  modelId: string,
  options: LoadTokenizerOptions = {},
): Promise<PairTokenizer> {
  const definition = await tokenizerDefinition(modelId, options);
  const revision = options.localDir ? undefined : options.revision ?? "main";
  return createPairTokenizer(definition.json, definition.config, {
    modelId,
    revision,
    source: definition.source,
  });
}

async function readOptionalJson(
  files: RepoFiles,
  file: string,
  where: string,
): Promise<Record<string, unknown>> {
  return await files.has(file) ? await readJson(files, file, where) : {};
}

async function readJson(files: RepoFiles, file: string, where: string) {
  const path = await files.path(file);
  const text = await readFile(path, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TokenizerLoadError(
      `${where}: ${file} is not valid JSON (${(error as Error).message}): ${path}; if it is a ` +
        `cached download, run \`${CACHE_REPAIR_COMMAND}\` (or delete it) to download it again`,
      { cause: error },
    );
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new TokenizerLoadError(`${where}: ${file} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function pickSpecialTokens(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(map).filter(([key]) => SPECIAL_TOKEN_KEYS.includes(key)),
  );
}
