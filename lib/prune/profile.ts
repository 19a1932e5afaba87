/**
 * Training profiles of pruning. Notebook 02 fine-tunes four pruned models (criteria, 50%
 * unstructured, structured + distillation, pattern lock through QAT), so its "full" run gives each
 * one epoch of the first 384 MRPC train pairs (24 updates at batch 16) and scores on all 408
 * validation pairs, sized for a 15-minute notebook with DistilBERT-base on 2 cores.
 * "quick" is the training profiles' quick run (the same 24 updates, 128 validation pairs) and
 * "long" their long one (3 epochs of all train pairs).
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
} from "../train/profile.ts";

/** One epoch of the first 384 train pairs (24 updates), evaluated at updates 12 and 24. */
export const PRUNE_FULL_PROFILE: Readonly<TrainProfile> = {
  ...FULL_PROFILE,
  maxSteps: undefined,
  trainLimit: 384,
  evalEvery: 12,
};

/**
 * The pruning profile named `name`, or the one `WORKSHOP_QUICK` selects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneProfile } from "./profile.ts";
 * assert.equal(pruneProfile("full").trainLimit, 384);
 * assert.equal(pruneProfile("long").epochs, 3);
 * ```
 */
export function pruneProfile(name?: TrainProfileName): TrainProfile {
  return selectProfile(
    { quick: QUICK_PROFILE, full: PRUNE_FULL_PROFILE, long: LONG_PROFILE },
    name,
  );
}
