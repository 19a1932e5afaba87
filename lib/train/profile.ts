/**
 * Training profiles: "full" is what people run in the workshop (fine-tuning length), "quick" is a
 * few dozen steps on a slice of the data, for CI and notebook tests (`WORKSHOP_QUICK=1`).
 *
 * @module
 */
import { workshopSettings } from "../settings/mod.ts";

/** Names of the profiles. */
export type TrainProfileName = "quick" | "full";

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

/** Fine-tuning settings in the range used for DistilBERT on MRPC (3 epochs, lr 5e-5, batch 16). */
export const FULL_PROFILE: Readonly<TrainProfile> = {
  name: "full",
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
 * assert.equal(trainProfile("full").epochs, 3);
 * ```
 */
export function trainProfile(name?: TrainProfileName): TrainProfile {
  const chosen = name ?? (workshopSettings().quick ? "quick" : "full");
  return { ...(chosen === "quick" ? QUICK_PROFILE : FULL_PROFILE) };
}
