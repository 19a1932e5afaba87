/**
 * The manifest of a workshop task (`runManifest` of `lib/report`) with its inputs found the way
 * the task found them: the model files (ONNX, config.json, tokenizer, weights when present) and
 * the MRPC parquet files of the splits it read, from the hub cache.
 *
 * @module
 */
import { basename } from "node:path";
import { hubRepoFiles, MRPC_DATASET, mrpcParquetFile, type MrpcSplit } from "../data/mod.ts";
import { type HubSettings, hubSettings } from "../hub/mod.ts";
import { type RunManifest, runManifest } from "../report/mod.ts";

/** Options of {@link workshopManifest}. */
export interface WorkshopManifestOptions {
  task: string;
  config: Record<string, unknown>;
  seeds?: Record<string, number>;
  modelId: string;
  revision?: string;
  /** The ONNX file the task ran (leave out when the task read only the repo's files). */
  modelPath?: string;
  /**
   * The model repo's files hashed beside it, when the repo has them (default: `config.json`,
   * `tokenizer.json`, `vocab.txt`, `model.safetensors`; a task that trained from
   * `pytorch_model.bin` names that instead).
   */
  modelFiles?: readonly string[];
  /** MRPC splits read (their parquet files are hashed). */
  splits: readonly MrpcSplit[];
  settings?: HubSettings;
  threads?: { intraOp?: number; train?: number };
}

/** The model repo's files a manifest hashes by default. */
export const MANIFEST_MODEL_FILES: readonly string[] = [
  "config.json",
  "tokenizer.json",
  "vocab.txt",
  "model.safetensors",
];

/**
 * The manifest of a workshop task, hashing its model and data files.
 *
 * @example
 * ```ts ignore
 * report.extra.manifest = await workshopManifest({ task: "demo", config, modelId, modelPath, splits: ["validation"] });
 * ```
 */
export async function workshopManifest(options: WorkshopManifestOptions): Promise<RunManifest> {
  const model = hubRepoFiles({
    repo: options.modelId,
    revision: options.revision,
    settings: options.settings,
    progress: false,
  });
  const inputs = options.modelPath ? [options.modelPath] : [];
  for (const file of options.modelFiles ?? MANIFEST_MODEL_FILES) {
    if (options.modelPath && basename(options.modelPath) === file) continue;
    try {
      if (await model.has(file)) inputs.push(await model.path(file));
    } catch {
      // Not at hand (offline, or the repo does not have it): the model is hashed by its ONNX.
    }
  }
  if (!options.modelFiles && !inputs.some((p) => basename(p) === "model.safetensors")) {
    // A repo with PyTorch weights only (many hub models): hash them when the task has them in the
    // cache (it read them, or exported its ONNX from them), without downloading them just for this.
    const cached = hubRepoFiles({
      repo: options.modelId,
      revision: options.revision,
      settings: { ...(options.settings ?? hubSettings()), offline: true },
      progress: false,
    });
    try {
      inputs.push(await cached.path("pytorch_model.bin"));
    } catch {
      // Not in the cache: the task did not read it.
    }
  }
  const data = hubRepoFiles({
    repo: MRPC_DATASET,
    repoType: "dataset",
    settings: options.settings,
    progress: false,
  });
  for (const split of options.splits) inputs.push(await data.path(mrpcParquetFile(split)));
  return await runManifest({
    task: options.task,
    config: options.config,
    seeds: options.seeds,
    inputs,
    threads: options.threads,
  });
}
