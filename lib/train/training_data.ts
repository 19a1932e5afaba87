/**
 * What a fine-tuning technique (QAT, pruning, …) starts from: a hub model's PyTorch weights and
 * MRPC's train, validation and calibration batches, sliced by a training profile.
 *
 * @module
 */
import { type Batch, prepareMrpc } from "../data/mod.ts";
import type { HubSettings } from "../hub/mod.ts";
import type { DistilBertConfig } from "../model/config.ts";
import type { WeightMap } from "../model/weights.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { loadDistilBertWeights } from "./load.ts";
import type { TrainProfile, TrainProfileName } from "./profile.ts";
import type { TrainData } from "./train.ts";

/**
 * What a technique's data loader (`prepareQatData`, `preparePruneData`) is asked for; it fills in
 * the defaults and calls {@link prepareTrainingData}.
 */
export interface TrainingDataRequest {
  /** Hub model id (default: `WORKSHOP_MODEL`). */
  modelId?: string;
  revision?: string;
  settings?: HubSettings;
  /** A training profile or its name (default: the one `WORKSHOP_QUICK` selects). */
  profile?: TrainProfile | TrainProfileName;
  /** The first MRPC train rows kept for calibration (default 100; quick 32). */
  calibrationSamples?: number;
  progress?: ProgressOption;
}

/** Options of {@link prepareTrainingData}. */
export interface TrainingDataOptions {
  modelId: string;
  revision?: string;
  settings?: HubSettings;
  /** Which slices of MRPC train and validation, and the batch size of training. */
  profile: TrainProfile;
  /** The first MRPC train rows kept for calibration (8 per batch). */
  calibrationSamples: number;
  progress?: ProgressOption;
}

/** A model's weights and the MRPC data of a fine-tuning run. */
export interface TrainingData {
  modelId: string;
  revision: string;
  config: DistilBertConfig;
  /** The weights as loaded (techniques copy them, never change them). */
  weights: WeightMap;
  /** The repo file the weights were read from (a run's manifest hashes it). */
  source?: "model.safetensors" | "pytorch_model.bin";
  profile: TrainProfile;
  /** Training rows (the profile's slice), for `train`. */
  train: TrainData;
  /** MRPC validation (the profile's slice), 32 rows per batch, sorted by length. */
  validation: Batch[];
  /** The first MRPC train rows, 8 per batch, for calibration. */
  calibration: Batch[];
}

/**
 * Loads the PyTorch weights of `modelId` and MRPC train, validation and calibration batches.
 *
 * @example
 * ```ts ignore
 * const data = await prepareTrainingData({
 *   modelId: "standin/distilbert-mini-uncased-mrpc",
 *   profile: trainProfile("quick"),
 *   calibrationSamples: 32,
 * });
 * console.log(data.config.dim, data.train.encoded.length);
 * ```
 */
export async function prepareTrainingData(options: TrainingDataOptions): Promise<TrainingData> {
  const { modelId, profile } = options;
  const common = {
    modelId,
    revision: options.revision,
    settings: options.settings,
    progress: options.progress,
  };
  const loaded = await loadDistilBertWeights(modelId, common);
  const [trainSplit, validation, calibration] = await Promise.all([
    prepareMrpc("train", { ...common, limit: profile.trainLimit, batchSize: profile.batchSize }),
    prepareMrpc("validation", {
      ...common,
      limit: profile.validationLimit,
      batchSize: 32,
      sortByLength: true,
    }),
    prepareMrpc("train", { ...common, limit: options.calibrationSamples, batchSize: 8 }),
  ]);
  return {
    modelId,
    revision: loaded.revision,
    config: loaded.config,
    weights: loaded.weights,
    source: loaded.source,
    profile,
    train: {
      encoded: trainSplit.encoded,
      labels: trainSplit.rows.map((r) => r.label),
      padTokenId: trainSplit.tokenizer.padTokenId,
    },
    validation: validation.batches,
    calibration: calibration.batches,
  };
}
