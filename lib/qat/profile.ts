/**
 * Training profiles of quantization-aware training: a short fine-tune at a low learning rate,
 * starting from an already trained model (QAT adapts the weights to quantization; it does not
 * learn the task again). "full" is the workshop's run (48 updates, sized like the training
 * profiles' full run for a 15-minute notebook with DistilBERT-base on 2 cores), "long" one epoch
 * of all MRPC train pairs, "quick" (`WORKSHOP_QUICK=1`) a few updates on a slice, for CI and
 * notebook tests.
 *
 * @module
 */
import {
  FULL_PROFILE,
  LONG_PROFILE,
  QUICK_PROFILE,
  selectProfile,
  type TrainProfile,
  type TrainProfileName,
} from "../train/mod.ts";

/**
 * 48 updates at 2e-5 (below the 5e-5 of FP32 fine-tuning) on the first 768 train pairs, evaluated
 * at updates 24 and 48 on all validation pairs. With DistilBERT-base on 2 cores a fake-quantized
 * update is several times slower than a plain one, and this takes longer than 15 minutes.
 */
export const QAT_FULL_PROFILE: Readonly<TrainProfile> = {
  ...FULL_PROFILE,
  maxSteps: 48,
  trainLimit: 768,
  learningRate: 2e-5,
  evalEvery: 24,
};

/** One epoch of all MRPC train pairs at 2e-5, evaluated ~5 times. */
export const QAT_LONG_PROFILE: Readonly<TrainProfile> = {
  ...LONG_PROFILE,
  epochs: 1,
  learningRate: 2e-5,
  evalEvery: 46,
};

/** 12 updates on 192 training rows, evaluated on 96 validation rows at updates 6 and 12. */
export const QAT_QUICK_PROFILE: Readonly<TrainProfile> = {
  ...QUICK_PROFILE,
  maxSteps: 12,
  learningRate: 2e-5,
  evalEvery: 6,
  trainLimit: 192,
  validationLimit: 96,
};

/** Calibration rows of the PTQ warm-up by profile (as `quantizeWorkshopModel` uses). */
export const QAT_CALIBRATION_SAMPLES: Readonly<Record<TrainProfileName, number>> = {
  long: 100,
  full: 100,
  quick: 32,
};

/**
 * The QAT profile named `name`, or the one `WORKSHOP_QUICK` selects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { qatProfile } from "./profile.ts";
 * assert.equal(qatProfile("quick").maxSteps, 12);
 * assert.equal(qatProfile("full").maxSteps, 48);
 * assert.equal(qatProfile("long").epochs, 1);
 * ```
 */
export function qatProfile(name?: TrainProfileName): TrainProfile {
  return selectProfile(
    { quick: QAT_QUICK_PROFILE, full: QAT_FULL_PROFILE, long: QAT_LONG_PROFILE },
    name,
  );
}
