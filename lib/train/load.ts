/**
 * A hub model's PyTorch weights as a state-dict {@link WeightMap}, the input of training
 * (`TfDistilBert.fromWeights`): `model.safetensors` when the repo has it, else the legacy
 * `pytorch_model.bin` (read with the allow-listed unpickler).
 *
 * @module
 */
import { hubDownload, hubFileExists, type HubSettings, hubSettings } from "../hub/mod.ts";
import type { DistilBertConfig } from "../model/config.ts";
import { loadHubConfig, readCheckpointWeights } from "../model/load.ts";
import type { WeightMap } from "../model/weights.ts";
import type { ProgressOption } from "../progress/mod.ts";

/** Options of {@link loadDistilBertWeights}. */
export interface LoadWeightsOptions {
  revision?: string;
  settings?: HubSettings;
  progress?: ProgressOption;
  signal?: AbortSignal;
}

/** A hub model's architecture and weights. */
export interface LoadedWeights {
  modelId: string;
  revision: string;
  config: DistilBertConfig;
  weights: WeightMap;
  /** The file the weights came from. */
  source: "model.safetensors" | "pytorch_model.bin";
}

/** The repo has no PyTorch weights to train from; the message names the repo. */
export class NoTrainableWeightsError extends Error {
  override name = "NoTrainableWeightsError";
}

/**
 * Downloads (or reads from the cache) `config.json` and the PyTorch weights of `modelId`.
 *
 * @example
 * ```ts ignore
 * const { config, weights } = await loadDistilBertWeights("standin/distilbert-mini-uncased-mrpc");
 * const model = await TfDistilBert.fromWeights(config, weights);
 * ```
 */
export async function loadDistilBertWeights(
  modelId: string,
  options: LoadWeightsOptions = {},
): Promise<LoadedWeights> {
  const settings = options.settings ?? hubSettings();
  const revision = options.revision ?? "main";
  const common = { settings, progress: options.progress, signal: options.signal };
  const config = await loadHubConfig(modelId, { ...common, revision });
  for (const source of ["model.safetensors", "pytorch_model.bin"] as const) {
    const ref = { repo: modelId, revision, file: source };
    if (!(await hubFileExists(ref, { settings, signal: options.signal }))) continue;
    const weights = await readCheckpointWeights(await hubDownload(ref, common), source);
    return { modelId, revision, config, weights, source };
  }
  throw new NoTrainableWeightsError(
    `${modelId}@${revision} has neither model.safetensors nor pytorch_model.bin on ` +
      `${settings.endpoint}; training needs the PyTorch weights (an ONNX-only repo cannot be ` +
      `fine-tuned here).`,
  );
}
