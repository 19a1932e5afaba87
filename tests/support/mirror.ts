/**
 * Test helpers: where the hub mirror, GLUE's MRPC TSVs and the fixtures are.
 * CI clones the repo elsewhere with `shared/` beside the clone, so paths derive from the project
 * root unless `HUB_MIRROR_DIR` / `MRPC_TSV_DIR` say otherwise; without `shared/` the tests use the
 * repo's fixture hub `data/fixtures/shared/` (same layout, tiny model, MRPC sample).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultHubMirrorDir } from "./hub_server.ts";
import { hasFullMirror } from "./extended.ts";
import type { TokenBatch } from "../../lib/runtime/mod.ts";

/** The project root (the folder with deno.json). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * GLUE's MRPC TSV folder: `MRPC_TSV_DIR`, else `data/mrpc` beside the hub mirror (the fixture
 * hub has its sample there too).
 */
export function mrpcTsvDir(): string {
  return Deno.env.get("MRPC_TSV_DIR") ?? join(defaultHubMirrorDir(), "..", "data", "mrpc");
}

/** The folder holding `repo`'s files at `main` in the hub mirror. */
export function mirrorRepoDir(repo: string, repoType: "model" | "dataset" = "model"): string {
  const prefix = repoType === "dataset" ? "datasets/" : "";
  return join(defaultHubMirrorDir(), `${prefix}${repo}`, "resolve", "main");
}

/** The mirror's parquet file of an MRPC split. */
export function mirrorParquetPath(split: "train" | "validation" | "test"): string {
  return join(mirrorRepoDir("nyu-mll/glue", "dataset"), "mrpc", `${split}-00000-of-00001.parquet`);
}

/** A fixture under `data/fixtures/mrpc/`. */
export function fixturePath(name: string): string {
  return join(PROJECT_ROOT, "data", "fixtures", "mrpc", name);
}

/** The full mirror's two stand-in models. */
export const MIRROR_STANDINS = {
  mini: "standin/distilbert-mini-uncased-mrpc",
  tiny: "standin/distilbert-tiny-uncased-mrpc-bin",
} as const;

/** The fixture hub's repos: one trained tiny model in three checkpoint formats. */
export const FIXTURE_MODELS = {
  /** safetensors, onnx/model.onnx, tokenizer.json, vocab.txt. */
  mini: "fixture/distilbert-tiny-mrpc",
  /** Legacy-pickle pytorch_model.bin, vocab-only. */
  tiny: "fixture/distilbert-tiny-mrpc-bin",
  /** Zip pytorch_model.bin (torch ≥ 1.6), vocab-only. */
  zip: "fixture/distilbert-tiny-mrpc-zip",
} as const;

/**
 * The two models of the hub the tests use: the mirror's stand-ins, or on the fixture hub its
 * models of the same shapes (tests that depend on the stand-ins' own numbers are extended).
 */
export const STANDINS: { mini: string; tiny: string } = hasFullMirror()
  ? MIRROR_STANDINS
  : { mini: FIXTURE_MODELS.mini, tiny: FIXTURE_MODELS.tiny };

/** One pair of a stand-in's `reference_logits.json`. */
export interface ReferencePair {
  sentence1: string;
  sentence2: string;
  label: number;
  input_ids: number[];
  logits: number[];
}

/**
 * The reference pairs of a model: a stand-in's 32 (first MRPC validation pairs, PyTorch logits),
 * or the fixture's 40 (its validation sample, ONNX Runtime logits).
 */
export async function referencePairs(repo: string): Promise<ReferencePair[]> {
  const text = await Deno.readTextFile(join(mirrorRepoDir(repo), "reference_logits.json"));
  return JSON.parse(text).pairs;
}

/**
 * One reference pair as a batch of one row, every token attended: what the kit feeds to
 * reproduce the pair's logits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairBatch } from "./mirror.ts";
 * const batch = pairBatch({ input_ids: [101, 7592, 102] });
 * assert.deepEqual(Array.from(batch.inputIds), [101n, 7592n, 102n]);
 * assert.deepEqual(Array.from(batch.attentionMask), [1n, 1n, 1n]);
 * ```
 */
export function pairBatch(pair: Pick<ReferencePair, "input_ids">): TokenBatch {
  const ids = BigInt64Array.from(pair.input_ids.map(BigInt));
  return {
    size: 1,
    seqLen: ids.length,
    inputIds: ids,
    attentionMask: new BigInt64Array(ids.length).fill(1n),
  };
}
