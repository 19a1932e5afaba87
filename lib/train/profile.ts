/**
 * Training profiles, by how long a run may take:
 *
 * - **quick** (`WORKSHOP_QUICK=1`): a few dozen updates on a slice, for CI and notebook tests;
 * - **full** (the default): the workshop's run, sized for a 15-minute notebook with DistilBERT-base
 *   on a 2-core laptop (a full-size update at batch 16 takes about 4 s there): 96 updates on the
 *   first 1,536 MRPC train pairs, scored on all 408 validation pairs (`notebooks/README.md` has
 *   the measured times);
 * - **long**: the recipe of the papers, 3 epochs of all 3,668 train pairs (690 updates): hours on
 *   such a laptop, minutes on a GPU. Pass `"long"` where a function takes a profile, or set
 *   `profile: long` in a `deno task run` config.
 *
 * @module
 */
import { workshopSettings } from "../settings/mod.ts";

/** Names of the profiles. */
export type TrainProfileName = "quick" | "full" | "long";

/** Every profile name, for validation and help texts. */
export const TRAIN_PROFILE_NAMES: readonly TrainProfileName[] = ["quick", "full", "long"];

/** A profile: loop settings for `train()` plus how much data to prepare. */
export interface TrainProfile {
  name: TrainProfileName;
  epochs: number;
  /** Cap on updates (quick runs stop here). */
  maxSteps?: number;
  batchSize: number;
  learningRate: number;
  /** Share of the updates spent warming up. */
  warmupRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  /** Evaluate every N updates. */
  evalEvery: number;
  /** Rows of MRPC train to use (`prepareMrpc` `limit`); all when absent. */
  trainLimit?: number;
  /** Rows of MRPC validation to evaluate on; all when absent. */
  validationLimit?: number;
}

/**
 * The workshop's fine-tuning: one pass over the first 1,536 MRPC train pairs (96 updates at batch
 * 16, lr 5e-5, 10% warm-up), evaluated at updates 48 and 96 on all 408 validation pairs. About
 * 0.4 epoch: enough to recover a pruned or distilled model most of the way in a 15-minute notebook;
 * the long profile is the full recipe.
 */
export const FULL_PROFILE: Readonly<TrainProfile> = {
  name: "full",
  epochs: 1,
  maxSteps: 96,
  batchSize: 16,
  learningRate: 5e-5,
  warmupRatio: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1,
  evalEvery: 48,
  trainLimit: 1536,
};

/** The fine-tuning recipe used for DistilBERT on MRPC: 3 epochs of all train pairs, lr 5e-5, batch 16. */
export const LONG_PROFILE: Readonly<TrainProfile> = {
  name: "long",
  epochs: 3,
  batchSize: 16,
  learningRate: 5e-5,
  warmupRatio: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1,
  evalEvery: 50,
};

/** A short run: 24 updates on 384 training rows, evaluated on 128 validation rows. */
export const QUICK_PROFILE: Readonly<TrainProfile> = {
  name: "quick",
  epochs: 1,
  maxSteps: 24,
  batchSize: 16,
  learningRate: 5e-5,
  warmupRatio: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1,
  evalEvery: 12,
  trainLimit: 384,
  validationLimit: 128,
};

/**
 * The profile named `name`, or the one `WORKSHOP_QUICK` selects (quick when set, else full).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainProfile } from "./profile.ts";
 * assert.equal(trainProfile("quick").maxSteps, 24);
 * assert.equal(trainProfile("full").maxSteps, 96);
 * assert.equal(trainProfile("long").epochs, 3);
 * ```
 */
export function trainProfile(name?: TrainProfileName): TrainProfile {
  return selectProfile({ quick: QUICK_PROFILE, full: FULL_PROFILE, long: LONG_PROFILE }, name);
}

/** A technique's profiles by name. */
export type TrainProfiles = Readonly<Record<TrainProfileName, Readonly<TrainProfile>>>;

/**
 * A copy of the profile of `profiles` named `name`, or of the one `WORKSHOP_QUICK` selects (quick
 * when set, else full): what `trainProfile`, `qatProfile` and `pruneProfile` share.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FULL_PROFILE, LONG_PROFILE, QUICK_PROFILE, selectProfile } from "./profile.ts";
 * const profiles = { quick: QUICK_PROFILE, full: FULL_PROFILE, long: LONG_PROFILE };
 * assert.equal(selectProfile(profiles, "long").epochs, 3);
 * ```
 */
export function selectProfile(profiles: TrainProfiles, name?: TrainProfileName): TrainProfile {
  return { ...profiles[name ?? (workshopSettings().quick ? "quick" : "full")] };
}
