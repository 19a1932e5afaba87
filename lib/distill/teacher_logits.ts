/**
 * The teacher's logits on a dataset split, from the FP32 ONNX model in ONNX Runtime, computed once
 * and cached: a safetensors file (tensor `logits` `[rows, numLabels]`, the cache key in its
 * metadata) under `<hub cache>/distill/teacher-logits/<model id>/<revision>/`, written
 * atomically. The key holds the model id, revision, the ONNX file's size, the split, the
 * tokenizer, the maximum length, the row count and a SHA-256 of the encoded inputs, so a change
 * of any of them computes the logits again instead of reusing stale ones.
 *
 * @module
 */
import { join } from "node:path";
import { makeBatches } from "../data/batch.ts";
import type { EncodedPair } from "../data/tokenizer.ts";
import { evaluateClassifier } from "../eval/evaluate_classifier.ts";
import type { ClassificationMetrics } from "../eval/metrics.ts";
import { writeFileAtomic } from "../fs/atomic.ts";
import { type HubSettings, hubSettings } from "../hub/mod.ts";
import {
  parseSafetensors,
  parseSafetensorsHeader,
  serializeSafetensors,
} from "../model/safetensors.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { createSession, type SessionOptions } from "../runtime/session.ts";

/** Bumped when the cached file's content changes meaning. */
export const TEACHER_LOGITS_FORMAT = 1;

/** The teacher and the rows to score. */
export interface TeacherLogitsOptions {
  /** The teacher's `.onnx` file (`loadClassifier(modelId).path`). */
  modelPath: string;
  /** Hub id of the teacher (cache key and folder). */
  modelId: string;
  /** Revision of the teacher (default `main`). */
  revision?: string;
  /** Split name, e.g. `train` (cache key). */
  split: string;
  /** Encoded rows in dataset order (`prepareMrpc(split).encoded`). */
  encoded: readonly EncodedPair[];
  /** Labels of the rows, to score the teacher too (optional; -1 = unlabelled). */
  labels?: readonly number[];
  /** Tokenizer identity for the key (e.g. `prepareMrpc(...).tokenizer.modelId`). */
  tokenizer?: string;
  /** Maximum encoded length used (key; default 128). */
  maxLength?: number;
  /** Padding id (default 0). */
  padTokenId?: number;
  /** Cache folder (default `<hubSettings().cacheDir>/distill/teacher-logits`). */
  cacheDir?: string;
  /** Hub settings whose cache folder holds the cache (when `cacheDir` is absent). */
  settings?: HubSettings;
  /** `false`: neither read nor write the cache. Default true. */
  cache?: boolean;
  /** Rows per ORT run (default 32; rows are sorted by length to pad less). */
  batchSize?: number;
  session?: SessionOptions;
  progress?: ProgressOption;
}

/** The teacher's logits in dataset order. */
export interface TeacherLogits {
  /** `[rows * numLabels]`, row-major, row i = `encoded[i]`. */
  logits: Float32Array;
  rows: number;
  numLabels: number;
  /** `cache` when read from the cache file, `onnxruntime` when computed now. */
  source: "cache" | "onnxruntime";
  /** The cache file (absent with `cache: false`). */
  path?: string;
  /** The cache key (JSON). */
  key: string;
  /** Teacher accuracy/F1 on the rows, when `labels` were given and the logits computed. */
  metrics?: ClassificationMetrics;
  /** Seconds spent (reading or computing). */
  seconds: number;
}

/**
 * The teacher's logits on `encoded`, from the cache when a file with the same key exists, else
 * computed with ONNX Runtime (`evaluateClassifier`) and cached atomically.
 *
 * @example
 * ```ts ignore
 * const teacher = await loadClassifier(modelId);
 * const train = await prepareMrpc("train", { modelId });
 * const { logits } = await teacherLogits({
 *   modelPath: teacher.path, modelId, split: "train", encoded: train.encoded,
 * });
 * ```
 */
export async function teacherLogits(options: TeacherLogitsOptions): Promise<TeacherLogits> {
  const started = performance.now();
  const rows = options.encoded.length;
  const key = await cacheKey(options);
  const path = options.cache === false ? undefined : teacherLogitsPath(options, key);
  if (path) {
    const cached = await readCached(path, key, rows);
    if (cached) {
      return {
        ...cached,
        rows,
        source: "cache",
        path,
        key,
        seconds: (performance.now() - started) / 1000,
      };
    }
  }
  const labels = options.labels ?? options.encoded.map(() => -1);
  const batches = makeBatches(options.encoded, labels, {
    batchSize: options.batchSize ?? 32,
    sortByLength: true,
    padTokenId: options.padTokenId ?? 0,
  });
  const model = await createSession(options.modelPath, options.session);
  let result;
  try {
    result = await evaluateClassifier(model, batches, {
      progress: options.progress,
      label: `teacher logits (${options.split})`,
    });
  } finally {
    await model.session.release();
  }
  const { logits, numLabels } = result;
  if (path) {
    const bytes = serializeSafetensors(
      new Map([["logits", { shape: [rows, numLabels], data: logits }]]),
      { key },
    );
    await writeFileAtomic(path, bytes);
  }
  return {
    logits,
    rows,
    numLabels,
    source: "onnxruntime",
    path,
    key,
    metrics: options.labels ? result.metrics : undefined,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Where {@link teacherLogits} caches the logits for `options` and `key`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { teacherLogitsPath } from "./teacher_logits.ts";
 * const path = teacherLogitsPath({ modelId: "org/model", split: "train", cacheDir: "/c" }, "{}");
 * assert.match(path, /^\/c\/org--model\/main\/train-128-[0-9a-f]{16}\.safetensors$/);
 * ```
 */
export function teacherLogitsPath(
  options: Pick<
    TeacherLogitsOptions,
    "modelId" | "revision" | "split" | "maxLength" | "cacheDir" | "settings"
  >,
  key: string,
): string {
  const dir = options.cacheDir ??
    join((options.settings ?? hubSettings()).cacheDir, "distill", "teacher-logits");
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "--");
  return join(
    dir,
    safe(options.modelId),
    safe(options.revision ?? "main"),
    `${safe(options.split)}-${options.maxLength ?? 128}-${fnv64(key)}.safetensors`,
  );
}

async function cacheKey(options: TeacherLogitsOptions): Promise<string> {
  const modelBytes = (await Deno.stat(options.modelPath)).size;
  return JSON.stringify({
    format: TEACHER_LOGITS_FORMAT,
    modelId: options.modelId,
    revision: options.revision ?? "main",
    modelBytes,
    split: options.split,
    tokenizer: options.tokenizer ?? null,
    maxLength: options.maxLength ?? 128,
    rows: options.encoded.length,
    inputs: await inputsDigest(options.encoded),
  });
}

/** SHA-256 (hex) of the rows' ids and masks. */
async function inputsDigest(encoded: readonly EncodedPair[]): Promise<string> {
  let length = 0;
  for (const row of encoded) length += 1 + 2 * row.inputIds.length;
  const values = new Int32Array(length);
  let at = 0;
  for (const row of encoded) {
    values[at++] = row.inputIds.length;
    values.set(row.inputIds, at);
    at += row.inputIds.length;
    values.set(row.attentionMask, at);
    at += row.attentionMask.length;
  }
  const hash = await crypto.subtle.digest("SHA-256", values);
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cached logits, or undefined when the file is absent, unreadable or for another key. */
async function readCached(
  path: string,
  key: string,
  rows: number,
): Promise<{ logits: Float32Array; numLabels: number } | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    const { metadata } = parseSafetensorsHeader(bytes, bytes.length, path);
    const tensor = parseSafetensors(bytes, path).get("logits");
    if (metadata.key !== key || !tensor || tensor.shape[0] !== rows) return undefined;
    return { logits: tensor.data, numLabels: tensor.shape[1] };
  } catch {
    return undefined; // truncated or foreign file: compute again and overwrite it
  }
}

/** 64-bit FNV-1a of a string, hex (file-name suffix; the full key is checked on read). */
function fnv64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}
