/**
 * Measured sensitivity of a group of nodes: quantize only that group (`includeNodes`) and measure
 * how far the model's first output (the logits) moves from FP32 on a few calibration batches —
 * the mean squared error. The tuner falls back the most sensitive groups first.
 *
 * @module
 */

import { calibrationFeeds, type CalibrationInput } from "../quant/mod.ts";
import type { Model } from "../onnx/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { modelBytes } from "./encoded.ts";
import { TuneOptionsError } from "./errors.ts";

/** How sensitive one fallback group is. */
export interface SensitivityEntry {
  /** Group label (block label or node name). */
  label: string;
  nodes: string[];
  /** The recipe it was measured under (`describeRecipe`). */
  recipe: string;
  /** Larger is more sensitive. */
  score: number;
  /**
   * The registered measure (`sensitivity_measure.ts`): `"logit-mse"`, mean squared logit error
   * vs FP32 with only this group quantized; `"accuracy-drop"`, FP32 accuracy minus the accuracy
   * with only this group quantized (when no calibration batches are at hand), plus 0.001 ×
   * disagreement to break ties; or any other registered one.
   */
  measure: string;
}

/** Compares a model's first output with FP32's on fixed batches. */
export interface OutputErrorProbe {
  /** Mean squared difference of the first output against FP32, over all batches. */
  mse(model: Model): Promise<number>;
  /** Batches used. */
  batches: number;
}

/**
 * Runs the FP32 model once on `inputs` and returns a probe that measures other models against it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { syntheticBatch } from "../runtime/mod.ts";
 * import { outputErrorProbe } from "./sensitivity.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const model = buildDistilBert(config, { seed: 0, std: 0.1 });
 * const probe = await outputErrorProbe(model, [syntheticBatch({ size: 4, seqLen: 8, vocabSize: 1100, seed: 1 })]);
 * assert.equal(await probe.mse(model), 0);
 * assert.ok(await probe.mse(quantizeDynamic(model).model) > 0);
 * ```
 */
export async function outputErrorProbe(
  fp32: Model,
  inputs: readonly CalibrationInput[],
  session: SessionOptions = {},
): Promise<OutputErrorProbe> {
  if (inputs.length === 0) {
    throw new TuneOptionsError(
      "sensitivity needs at least one batch: pass sensitivity: { batches } or a calibration reader.",
    );
  }
  const outputs = async (model: Model) => {
    const s = await createSession(modelBytes(model), session);
    try {
      const name = s.outputNames[0];
      const out: Float32Array[] = [];
      for (const input of inputs) {
        const result = await s.session.run(calibrationFeeds(input, s.inputNames));
        out.push(Float32Array.from(result[name].data as Float32Array));
      }
      return out;
    } finally {
      await s.session.release();
    }
  };
  const reference = await outputs(fp32);
  return {
    batches: inputs.length,
    async mse(model) {
      const got = await outputs(model);
      let sum = 0;
      let count = 0;
      got.forEach((values, b) => {
        const ref = reference[b];
        for (let i = 0; i < values.length; i++) sum += (values[i] - ref[i]) ** 2;
        count += values.length;
      });
      return count === 0 ? 0 : sum / count;
    },
  };
}
