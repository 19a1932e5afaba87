import { dirname, join } from "node:path";
import { readFile } from "node:fs/promises";
import {
  cacheRepairHint,
  hubDownload,
  hubFileExists,
  type HubSettings,
  hubSettings,
  hubSnapshotDir,
  validateHubFileName,
} from "../hub/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  externalDataLocations,
  modelSizeOnDisk,
  OnnxExternalDataError,
  writeModel,
} from "../onnx/mod.ts";
import { type DistilBertConfig, ModelConfigError, parseDistilBertConfig } from "./config.ts";
import { readSafetensors } from "./safetensors.ts";
import { readTorchCheckpoint } from "./torch/mod.ts";
import { buildDistilBertGraph } from "./distilbert_graph.ts";
import type { WeightMap } from "./weights.ts";

/** Where a loaded model's ONNX graph came from. */
export type ModelSource = "onnx" | "safetensors" | "pytorch_model.bin";

/** The checkpoint files the loader looks for, in order of preference. */
export const CHECKPOINT_FILES = {
  onnx: "onnx/model.onnx",
  safetensors: "model.safetensors",
  "pytorch_model.bin": "pytorch_model.bin",
} as const satisfies Record<ModelSource, string>;

/** Bumped whenever the exporter's output changes, so older cached exports are not reused. */
export const EXPORTER_VERSION = 1;

/** A sequence classifier ready for ONNX Runtime. */
export interface LoadedClassifier {
  modelId: string;
  revision: string;
  /** The `.onnx` file: the repo's own, or the kit's export. */
  path: string;
  source: ModelSource;
  /** Parsed `config.json`. */
  config: DistilBertConfig;
  /** Bytes on disk of the ONNX model (with external data). */
  sizeBytes: number;
}

/** Options of {@link loadClassifier}. */
export interface LoadClassifierOptions {
  revision?: string;
  settings?: HubSettings;
  progress?: ProgressOption;
  signal?: AbortSignal;
  /**
   * `"auto"` (default) uses the repo's `onnx/model.onnx` when it has one and exports the PyTorch
   * weights otherwise; `"always"` exports even when an ONNX file exists (to compare the two).
   */
  export?: "auto" | "always";
}

/** Where and how to fetch a repo's files (shared by the loaders). */
export interface HubFetchOptions {
  revision?: string;
  settings?: HubSettings;
  progress?: ProgressOption;
  signal?: AbortSignal;
}

/**
 * Downloads (or reads from the cache) a repo's `config.json` and parses it.
 *
 * @example
 * ```ts ignore
 * const config = await loadHubConfig("textattack/distilbert-base-uncased-MRPC");
 * ```
 */
export async function loadHubConfig(
  modelId: string,
  options: HubFetchOptions = {},
): Promise<DistilBertConfig> {
  const revision = options.revision ?? "main";
  const settings = options.settings ?? hubSettings();
  const path = await hubDownload({ repo: modelId, revision, file: "config.json" }, {
    settings,
    progress: options.progress,
    signal: options.signal,
  });
  const text = await readFile(path, "utf8");
  try {
    JSON.parse(text);
  } catch (error) {
    const hint = cacheRepairHint(path, settings);
    throw new ModelConfigError(
      `config.json of ${modelId}@${revision} (${path}) is not valid JSON: ` +
        `${(error as Error).message}${hint ? `; ${hint}` : ""}`,
      { cause: error },
    );
  }
  return parseDistilBertConfig(text, `config.json of ${modelId}@${revision}`);
}

/**
 * The repo files holding the external data of the ONNX model at `path` (repo path `onnxFile`),
 * read from the model's own tensors: `model.onnx_data`, `model.onnx.data` or whatever the
 * exporter named them. A location that leaves the model's folder (absolute, `..`) or is not a
 * valid hub file name is refused with `OnnxExternalDataError` before anything is fetched.
 *
 * @example
 * ```ts ignore
 * const files = await repoExternalDataFiles("/cache/…/onnx/model.onnx", "onnx/model.onnx"); // ["onnx/model.onnx_data"]
 * ```
 */
export async function repoExternalDataFiles(path: string, onnxFile: string): Promise<string[]> {
  let locations: string[];
  try {
    locations = externalDataLocations(await Deno.readFile(path));
  } catch (error) {
    throw new OnnxExternalDataError(
      `${path}: not a readable ONNX model (${(error as Error).message}); ` +
        (cacheRepairHint(path, hubSettings()) || "re-download or re-export it"),
    );
  }
  const folder = dirname(onnxFile);
  return locations.map((location) => {
    const file = folder === "." ? location : `${folder}/${location}`;
    try {
      if (location.startsWith("/") || location.includes("\\")) throw new Error("absolute path");
      return validateHubFileName(file);
    } catch (error) {
      throw new OnnxExternalDataError(
        `${path}: external data location ${JSON.stringify(location)} is not a file inside the ` +
          `model folder (${(error as Error).message}); the model file is untrusted or damaged, ` +
          "so nothing was fetched for it: use another revision or repo",
      );
    }
  });
}

/**
 * Reads a PyTorch checkpoint file into a weight map: `model.safetensors`, or `pytorch_model.bin`
 * (zip or legacy pickle, through the allow-listed unpickler).
 *
 * @example
 * ```ts ignore
 * const weights = await readCheckpointWeights(path, "pytorch_model.bin");
 * ```
 */
export function readCheckpointWeights(
  path: string,
  file: "model.safetensors" | "pytorch_model.bin",
): Promise<WeightMap> {
  return file === "model.safetensors" ? readSafetensors(path) : readTorchCheckpoint(path);
}

/** The repo has no file the kit can build a model from. */
export class NoCheckpointError extends Error {
  override name = "NoCheckpointError";
}

/**
 * Loads a sequence-classification model by hub id: the repo's `onnx/model.onnx` if it has one,
 * otherwise the kit's own export of `model.safetensors` or `pytorch_model.bin` (cached like a
 * download, so the export runs once per model and revision).
 *
 * @example
 * ```ts ignore
 * const model = await loadClassifier("textattack/distilbert-base-uncased-MRPC");
 * console.log(model.source, model.path);
 * ```
 */
export async function loadClassifier(
  modelId: string,
  options: LoadClassifierOptions = {},
): Promise<LoadedClassifier> {
  const settings = options.settings ?? hubSettings();
  const revision = options.revision ?? "main";
  const common = { settings, progress: options.progress, signal: options.signal };
  const config = await loadHubConfig(modelId, { ...common, revision });
  const has = (file: string) =>
    hubFileExists({ repo: modelId, revision, file }, { settings, signal: options.signal });
  if (options.export !== "always" && await has(CHECKPOINT_FILES.onnx)) {
    const path = await hubDownload(
      { repo: modelId, revision, file: CHECKPOINT_FILES.onnx },
      common,
    );
    for (const file of await repoExternalDataFiles(path, CHECKPOINT_FILES.onnx)) {
      await hubDownload({ repo: modelId, revision, file }, common);
    }
    return {
      modelId,
      revision,
      path,
      source: "onnx",
      config,
      sizeBytes: await modelSizeOnDisk(path),
    };
  }
  for (const source of ["safetensors", "pytorch_model.bin"] as const) {
    if (!(await has(CHECKPOINT_FILES[source]))) continue;
    const path = await exportedModel({ modelId, revision, source, config, settings, options });
    return { modelId, revision, path, source, config, sizeBytes: await modelSizeOnDisk(path) };
  }
  const files = Object.values(CHECKPOINT_FILES).join(", ");
  throw new NoCheckpointError(
    settings.offline
      ? `HF_HUB_OFFLINE is set and none of ${files} of ${modelId}@${revision} is cached in ` +
        `${settings.cacheDir} (config.json is): run once online (unset HF_HUB_OFFLINE) to fill ` +
        "the cache, or point HF_ENDPOINT at a mirror of the hub and unset HF_HUB_OFFLINE."
      : `${modelId}@${revision} has none of ${files} on ${settings.endpoint}: pick a repo with ` +
        "PyTorch or ONNX weights.",
  );
}

/** Where the kit caches its export of a repo's weights. */
export function exportedModelPath(
  options: { modelId: string; revision?: string; source: ModelSource; settings?: HubSettings },
): string {
  const settings = options.settings ?? hubSettings();
  const dir = hubSnapshotDir(
    { repo: options.modelId, revision: options.revision },
    { cacheDir: join(settings.cacheDir, "exports", `v${EXPORTER_VERSION}`) },
  );
  return join(dir, `model.from-${options.source.replace(/[^a-z]/g, "")}.onnx`);
}

async function exportedModel(args: {
  modelId: string;
  revision: string;
  source: "safetensors" | "pytorch_model.bin";
  config: DistilBertConfig;
  settings: HubSettings;
  options: LoadClassifierOptions;
}): Promise<string> {
  const { modelId, revision, source, config, settings, options } = args;
  const target = exportedModelPath({ modelId, revision, source, settings });
  const cached = await modelSizeOnDisk(target).then(() => true, () => false);
  if (cached) return target;
  const weightsPath = await hubDownload(
    { repo: modelId, revision, file: CHECKPOINT_FILES[source] },
    { settings, progress: options.progress, signal: options.signal },
  );
  const weights = await readCheckpointWeights(weightsPath, CHECKPOINT_FILES[source]);
  const model = buildDistilBertGraph(config, weights, { name: `${modelId}@${revision}` });
  await writeModel(target, model);
  return target;
}
