/**
 * Training profiles of quantization-aware training: a short fine-tune at a low learning rate,
 * starting from an already trained model (QAT adapts the weights to quantization; it does not
 * learn the task again). "full" is the workshop's run (96 updates of 8 rows, sized for a 15-minute
 * notebook with DistilBERT-base on 2 cores), "long" one epoch of all MRPC train pairs, "quick"
 * (`WORKSHOP_QUICK=1`) a few updates on a slice, for CI and notebook tests.
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
 * Rows per QAT update in the full and long profiles. Fake quantization keeps a quantized copy of
 * every Linear's input and weight for the backward pass: with DistilBERT-base, a batch of 16 rows
 * of ~96 tokens no longer fits the 4 GiB heap of tfjs's WebAssembly backend (a batch of 16 × 128
 * already takes 3.7 GiB in plain FP32 training), while 8 × 128 peaks at 3.3 GiB.
 */
export const QAT_BATCH_SIZE = 8;

/**
 * 96 updates of {@link QAT_BATCH_SIZE} rows at 2e-5 (below the 5e-5 of FP32 fine-tuning): one
 * pass over the first 768 train pairs, evaluated at updates 48 and 96 on all validation pairs.
 */
export const QAT_FULL_PROFILE: Readonly<TrainProfile> = {
  ...FULL_PROFILE,
  batchSize: QAT_BATCH_SIZE,
  maxSteps: 96,
  trainLimit: 768,
  learningRate: 2e-5,
  evalEvery: 48,
};

/** One epoch of all MRPC train pairs in batches of {@link QAT_BATCH_SIZE} at 2e-5, evaluated ~5 times. */
export const QAT_LONG_PROFILE: Readonly<TrainProfile> = {
  ...LONG_PROFILE,
  batchSize: QAT_BATCH_SIZE,
  epochs: 1,
  learningRate: 2e-5,
  evalEvery: 92,
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
 * assert.equal(qatProfile("full").maxSteps, 96);
 * assert.equal(qatProfile("long").epochs, 1);
 * ```
 */
export function qatProfile(name?: TrainProfileName): TrainProfile {
  return selectProfile(
    { quick: QAT_QUICK_PROFILE, full: QAT_FULL_PROFILE, long: QAT_LONG_PROFILE },
    name,
  );
}
