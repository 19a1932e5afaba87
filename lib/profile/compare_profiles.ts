/**
 * Two profiles side by side: where the time went in the reference (FP32) and in the variant, by
 * kernel category and by kernel.
 *
 * @module
 */

import type { KernelCategory, OpProfile } from "./op_profile.ts";

/** A named profile. */
export interface NamedProfile {
  name: string;
  profile: OpProfile;
}

/** Milliseconds per run of one category or kernel in both models. */
export interface ProfileDelta {
  referenceMs: number;
  candidateMs: number;
  /** `candidateMs − referenceMs` (negative: the variant saves time there). */
  deltaMs: number;
}

/** The comparison of two profiles. */
export interface ProfileComparison {
  reference: NamedProfile;
  candidate: NamedProfile;
  /** By category, largest |Δ| first. */
  categories: (ProfileDelta & { category: KernelCategory })[];
  /** By kernel, largest |Δ| first. */
  kernels: (ProfileDelta & { kernel: string; category: KernelCategory })[];
}

/**
 * Compares two profiles kernel by kernel and category by category.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareProfiles } from "./compare_profiles.ts";
 * const profile = (kernels: [string, "linear (FP32)" | "linear (INT8)", number][]) => ({
 *   runs: 1, runMs: 0, kernelMs: kernels.reduce((s, k) => s + k[2], 0),
 *   kernels: kernels.map(([kernel, category, ms]) => ({ kernel, category, ms, calls: 1 })),
 * });
 * const c = compareProfiles(
 *   { name: "fp32", profile: profile([["MatMul", "linear (FP32)", 10]]) },
 *   { name: "int8", profile: profile([["MatMulIntegerToFloat", "linear (INT8)", 4]]) },
 * );
 * assert.deepEqual(c.categories.map((r) => [r.category, r.deltaMs]), [["linear (FP32)", -10], ["linear (INT8)", 4]]);
 * ```
 */
export function compareProfiles(
  reference: NamedProfile,
  candidate: NamedProfile,
): ProfileComparison {
  const kernels = new Map<string, ProfileDelta & { kernel: string; category: KernelCategory }>();
  const add = (p: OpProfile, key: "referenceMs" | "candidateMs") => {
    for (const k of p.kernels) {
      const row = kernels.get(k.kernel) ??
        { kernel: k.kernel, category: k.category, referenceMs: 0, candidateMs: 0, deltaMs: 0 };
      row[key] += k.ms;
      kernels.set(k.kernel, row);
    }
  };
  add(reference.profile, "referenceMs");
  add(candidate.profile, "candidateMs");
  const categories = new Map<KernelCategory, ProfileDelta & { category: KernelCategory }>();
  for (const k of kernels.values()) {
    k.deltaMs = k.candidateMs - k.referenceMs;
    const c = categories.get(k.category) ??
      { category: k.category, referenceMs: 0, candidateMs: 0, deltaMs: 0 };
    c.referenceMs += k.referenceMs;
    c.candidateMs += k.candidateMs;
    c.deltaMs += k.deltaMs;
    categories.set(k.category, c);
  }
  const byDelta = (a: ProfileDelta, b: ProfileDelta) => Math.abs(b.deltaMs) - Math.abs(a.deltaMs);
  return {
    reference,
    candidate,
    categories: [...categories.values()].sort(byDelta),
    kernels: [...kernels.values()].sort(byDelta),
  };
}
