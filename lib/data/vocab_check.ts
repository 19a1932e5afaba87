import { readFile } from "node:fs/promises";
import { hubCachedPath, type HubSettings, hubSettings } from "../hub/mod.ts";
import { VocabularyMismatchError } from "./errors.ts";

/** What {@linkcode checkVocabularyFits} compares. */
export interface VocabularyFitOptions {
  /** Names the model in the message (`org/name@main`). */
  model: string;
  /** Tokens the tokenizer can produce. */
  tokenizerVocabSize: number;
  /** Rows of the model's word embedding (`vocab_size` of its config.json). */
  modelVocabSize: number;
  /** Where the tokenizer came from, for the message. */
  tokenizerSource?: string;
}

/**
 * Throws {@linkcode VocabularyMismatchError} when the tokenizer's vocabulary is larger than the
 * model's embedding (a model smaller than its vocabulary; the reverse, an embedding padded past
 * the vocabulary, is fine). Runs before any inference, so the user sees both numbers and the fix
 * instead of ONNX Runtime's Gather "indices element out of data bounds".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkVocabularyFits } from "./vocab_check.ts";
 * checkVocabularyFits({ model: "a/b", tokenizerVocabSize: 30522, modelVocabSize: 30528 });
 * assert.throws(
 *   () => checkVocabularyFits({ model: "a/b", tokenizerVocabSize: 30522, modelVocabSize: 1100 }),
 *   /tokenizer has 30522 tokens but the model a\/b embeds only 1100/,
 * );
 * ```
 */
export function checkVocabularyFits(options: VocabularyFitOptions): void {
  const { model, tokenizerVocabSize, modelVocabSize } = options;
  if (tokenizerVocabSize <= modelVocabSize) return;
  throw new VocabularyMismatchError(
    `the tokenizer has ${tokenizerVocabSize} tokens but the model ${model} embeds only ` +
      `${modelVocabSize} (vocab_size of its config.json)` +
      (options.tokenizerSource ? `; tokenizer from ${options.tokenizerSource}` : "") +
      `: ids from ${modelVocabSize} up would fall outside its embedding. Use the tokenizer of ` +
      "the model's own repo (or the base model it was fine-tuned from), or a model whose " +
      "embedding covers this vocabulary",
  );
}

/**
 * `vocab_size` of a hub model's config.json when that file is already in the cache (no
 * network), else `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedModelVocabSize } from "./vocab_check.ts";
 * const cacheDir = await Deno.makeTempDir();
 * const settings = { endpoint: "https://huggingface.co", offline: true, cacheDir };
 * assert.equal(await cachedModelVocabSize({ modelId: "a/b", settings }), undefined);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function cachedModelVocabSize(
  options: { modelId: string; revision?: string; settings?: HubSettings },
): Promise<number | undefined> {
  const settings = options.settings ?? hubSettings();
  const path = await hubCachedPath(
    { repo: options.modelId, revision: options.revision, file: "config.json" },
    settings,
  );
  if (path === undefined) return undefined;
  try {
    const size = JSON.parse(await readFile(path, "utf8")).vocab_size;
    return Number.isInteger(size) && size > 0 ? size : undefined;
  } catch {
    return undefined; // a damaged config.json is reported by the model loader
  }
}
