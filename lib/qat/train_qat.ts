/**
 * Quantization-aware training on the engine's loop: {@link qatExtension} makes a
 * {@link QatQuantizer} a training extension (its forward hooks, and its observers as the state
 * saved inside the engine's checkpoint), and {@link trainQat} trains with it. A resumed run
 * restores the observers from the checkpoint alone, at the checkpoint's update, so it ends with
 * the uninterrupted run's weights and ranges.
 *
 * @module
 */
import {
  type ExtensionState,
  type TfDistilBert,
  train,
  type TrainData,
  type TrainExtension,
  type TrainOptions,
  type TrainResult,
} from "../train/mod.ts";
import { type QatQuantizer, type QatQuantizerState, QatStateError } from "./quantizer.ts";

/** The name of the QAT extension: the key of the observers in a training checkpoint. */
export const QAT_EXTENSION = "qat";

/**
 * `quantizer` as a training extension: the engine installs its hooks while training and saves
 * its scheme and observers in the checkpoint. Do not also {@link QatQuantizer.attach} it to the
 * trained model (the hooks would run twice); {@link trainQat} takes care of that.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { QatQuantizer } from "./quantizer.ts";
 * import { qatExtension } from "./train_qat.ts";
 * const q = new QatQuantizer({ ranges: { classifier: { min: -1, max: 3 } } });
 * const extension = qatExtension(q);
 * assert.equal(extension.name, "qat");
 * const copy = new QatQuantizer();
 * qatExtension(copy).loadState!(JSON.parse(JSON.stringify(extension.saveState!())));
 * assert.deepEqual(copy.ranges(), q.ranges());
 * ```
 */
export function qatExtension(quantizer: QatQuantizer): TrainExtension {
  return {
    name: QAT_EXTENSION,
    hooks: quantizer.hooks,
    start: ({ model }) => {
      if (quantizer.attachedTo(model)) {
        throw new QatStateError(
          "the QAT quantizer is attached to the model and given as a training extension: its " +
            "hooks would run twice; detach it first (or train with trainQat, which does).",
        );
      }
    },
    saveState: () => ({ data: quantizer.state() }),
    loadState: (state) => quantizer.loadState(savedQuantizer(state)),
  };
}

function savedQuantizer(state: ExtensionState): QatQuantizerState {
  const data = state.data as Partial<QatQuantizerState> | undefined;
  if (!data || typeof data.scheme !== "object" || typeof data.observers !== "object") {
    throw new QatStateError(
      `the checkpoint's "${QAT_EXTENSION}" state holds no scheme and observers; the file is ` +
        "corrupt, delete the checkpoint to start over.",
    );
  }
  return data as QatQuantizerState;
}

/**
 * Trains `model` with `quantizer` (see `lib/train`'s `train` for the options), attached as the
 * last of `options.extensions` (so it quantizes what their hooks produce, e.g. masked weights);
 * with `checkpoint`, the observers are saved in it and resumed from it. The quantizer is left
 * attached to `model` afterwards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TfDistilBert } from "../train/mod.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { QatQuantizer } from "./quantizer.ts";
 * import { trainQat } from "./train_qat.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const qat = new QatQuantizer();
 * const encoded = [[2, 5, 3], [2, 6, 3]].map((ids) => ({ inputIds: ids, attentionMask: [1, 1, 1] }));
 * const result = await trainQat(model, qat, { encoded, labels: [1, 0] }, {
 *   epochs: 2, batchSize: 1, progress: false, log: false, handleSigint: false,
 * });
 * assert.equal(result.steps, 4);
 * assert.equal(qat.observer("classifier")!.updates, 4);
 * assert.ok(qat.attachedTo(model));
 * model.dispose();
 * ```
 */
export async function trainQat(
  model: TfDistilBert,
  quantizer: QatQuantizer,
  data: TrainData,
  options: TrainOptions = {},
): Promise<TrainResult> {
  quantizer.detach(model);
  try {
    return await train(model, data, {
      ...options,
      extensions: [...(options.extensions ?? []), qatExtension(quantizer)],
    });
  } finally {
    quantizer.attach(model);
  }
}
