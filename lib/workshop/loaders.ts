import type { HubSettings } from "../hub/mod.ts";
import { prepareMrpc } from "../data/mod.ts";
import { loadClassifier, type LoadedClassifier } from "../model/mod.ts";
import { type Model, readModel } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";

/**
 * How the workshop's steps load what they work on: the classifier by hub id, its ONNX model from
 * disk, and tokenized MRPC splits. The kit's own loaders by default; a caller may wrap them (to
 * count, cache or log what is loaded).
 */
export interface WorkshopLoaders {
  loadClassifier: typeof loadClassifier;
  readModel: typeof readModel;
  prepareMrpc: typeof prepareMrpc;
}

/**
 * The kit's loaders with `overrides` on top.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readModel } from "../onnx/mod.ts";
 * import { workshopLoaders } from "./loaders.ts";
 * assert.equal(workshopLoaders().readModel, readModel);
 * ```
 */
export function workshopLoaders(overrides: Partial<WorkshopLoaders> = {}): WorkshopLoaders {
  return { loadClassifier, readModel, prepareMrpc, ...overrides };
}

/** The FP32 classifier, loaded from the hub and read once, handed to each step that needs it. */
export interface Fp32Model {
  /** Where the `.onnx` file is, its config, where it came from. */
  classifier: LoadedClassifier;
  /** The ONNX model read from `classifier.path` (steps copy it, never change it). */
  model: Model;
}

/**
 * Loads the FP32 classifier by hub id and reads its ONNX model: the one load the workshop's
 * steps share.
 *
 * @example
 * ```ts ignore
 * const fp32 = await loadFp32Model({ modelId: "textattack/distilbert-base-uncased-MRPC" });
 * console.log(fp32.classifier.path, fp32.model.graph.nodes.length);
 * ```
 */
export async function loadFp32Model(options: {
  modelId: string;
  revision?: string;
  settings?: HubSettings;
  progress?: ProgressOption;
  loaders?: WorkshopLoaders;
}): Promise<Fp32Model> {
  const loaders = options.loaders ?? workshopLoaders();
  const classifier = await loaders.loadClassifier(options.modelId, {
    revision: options.revision,
    settings: options.settings,
    progress: options.progress,
  });
  return { classifier, model: await loaders.readModel(classifier.path) };
}
