/**
 * Sparsity targets: a pattern, a sparsity (one for every unit, or per layer) and a scope
 * (layer-wise: every unit reaches the target; global: one ranking over all units). Resolving
 * checks every target against the model before any work; {@link selectMasks} turns scores into
 * masks at a point of the schedule.
 *
 * @module
 */
import type { DistilBertConfig } from "../model/config.ts";
import { AllHeadsPrunedError, SparsityRangeError } from "./errors.ts";
import type { MaskSet } from "./mask.ts";
import { patternByName } from "./patterns/registry.ts";
import type { PrunePattern, PruneUnit } from "./patterns/types.ts";
import { pruneLowest } from "./select.ts";

/** What to prune: a pattern, how much, and over which scope. */
export interface PruneTarget {
  /** A registered pattern name (`unstructured`, `2:4`, `4x1`, `ffn`, `head`, …) or a pattern. */
  pattern: string | PrunePattern;
  /**
   * Fraction of each unit's groups to prune (entries, blocks, FFN neurons, heads), in [0, 1):
   * one number, or by unit name or layer prefix (e.g. `distilbert.transformer.layer.0`; the
   * longest matching key wins; units without a key are not pruned).
   */
  sparsity: number | Readonly<Record<string, number>>;
  /** `layer` (default): each unit reaches its target; `global`: one ranking over all units. */
  scope?: "layer" | "global";
}

/** A target checked against a model. */
export interface ResolvedTarget {
  pattern: PrunePattern;
  scope: "layer" | "global";
  units: PruneUnit[];
  /** Final sparsity of each unit (layer scope), or the one global sparsity repeated. */
  sparsity: number[];
}

function checkRange(value: number, what: string): void {
  if (!(typeof value === "number" && value >= 0 && value < 1)) {
    throw new SparsityRangeError(
      `sparsity ${value} of ${what} is outside [0, 1): give the fraction of weights (or groups) ` +
        "to prune, e.g. 0.5 (1 would remove everything).",
    );
  }
}

function unitSparsity(target: PruneTarget, unit: PruneUnit): number {
  if (typeof target.sparsity === "number") return target.sparsity;
  let best: [string, number] | undefined;
  for (const [key, value] of Object.entries(target.sparsity)) {
    const matches = unit.name === key || unit.name.startsWith(`${key}.`);
    if (matches && (!best || key.length > best[0].length)) best = [key, value];
  }
  return best?.[1] ?? 0;
}

function checkCount(unit: PruneUnit, sparsity: number, pattern: string): void {
  const k = Math.round(sparsity * unit.groups);
  if (k <= unit.maxPruned) return;
  if (pattern === "head") {
    throw new AllHeadsPrunedError(
      `sparsity ${sparsity} of pattern head prunes ${k} of the ${unit.groups} heads of ` +
        `${unit.name}: every head of the layer; keep at least one (at most ${
          ((unit.groups - 1) / unit.groups).toFixed(3)
        }), or remove the whole layer with structured depth pruning.`,
    );
  }
  throw new SparsityRangeError(
    `sparsity ${sparsity} of pattern ${pattern} prunes ${k} of the ${unit.groups} groups of ` +
      `${unit.name}, more than the pattern allows (${unit.maxPruned}, sparsity ${
        (unit.maxPruned / unit.groups).toFixed(4)
      }); lower the sparsity.`,
  );
}

/**
 * Checks `targets` against the prunable weights of a model with `config` and resolves their
 * patterns and units. Throws (before any work) `SparsityRangeError`, `PatternShapeError`,
 * `UnknownPatternError` or `AllHeadsPrunedError`, each naming the option and the fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/config.ts";
 * import { prunableWeights } from "./layers.ts";
 * import { resolveTargets } from "./targets.ts";
 * const prunable = prunableWeights(DISTILBERT_BASE);
 * const [t] = resolveTargets(DISTILBERT_BASE, [{ pattern: "head", sparsity: 0.25 }], prunable);
 * assert.equal(t.units.length, 6);
 * assert.throws(() => resolveTargets(DISTILBERT_BASE, [{ pattern: "head", sparsity: 0.99 }], prunable), /every head/);
 * assert.throws(() => resolveTargets(DISTILBERT_BASE, [{ pattern: "2:4", sparsity: 0.7 }], prunable), /lower the sparsity/);
 * ```
 */
export function resolveTargets(
  config: DistilBertConfig,
  targets: readonly PruneTarget[],
  prunable: ReadonlyMap<string, readonly number[]>,
): ResolvedTarget[] {
  return targets.map((target) => {
    const pattern = typeof target.pattern === "string"
      ? patternByName(target.pattern)
      : target.pattern;
    const scope = target.scope ?? "layer";
    if (typeof target.sparsity === "number") checkRange(target.sparsity, `pattern ${pattern.name}`);
    else {
      for (const [key, value] of Object.entries(target.sparsity)) checkRange(value, key);
    }
    const units = pattern.units(config, prunable);
    if (typeof target.sparsity !== "number") {
      for (const key of Object.keys(target.sparsity)) {
        if (!units.some((u) => u.name === key || u.name.startsWith(`${key}.`))) {
          throw new SparsityRangeError(
            `sparsity: no unit of pattern ${pattern.name} is named ${key} or lies under it; ` +
              `use unit names (${units.slice(0, 2).map((u) => u.name).join(", ")}, …) or layer ` +
              "prefixes.",
          );
        }
      }
    }
    if (scope === "global" && typeof target.sparsity !== "number") {
      throw new SparsityRangeError(
        `scope global takes one sparsity for all units, not per-layer values; use scope layer.`,
      );
    }
    const sparsity = units.map((u) => unitSparsity(target, u));
    if (scope === "layer") units.forEach((u, i) => checkCount(u, sparsity[i], pattern.name));
    else {
      const groups = units.reduce((a, u) => a + u.groups, 0);
      const most = units.reduce((a, u) => a + u.maxPruned, 0);
      const s = sparsity[0] ?? 0;
      if (Math.round(s * groups) > most) {
        throw new SparsityRangeError(
          `sparsity ${s} of pattern ${pattern.name} (global) prunes more than the pattern ` +
            `allows (sparsity ${(most / groups).toFixed(4)}); lower the sparsity.`,
        );
      }
    }
    return { pattern, scope, units, sparsity };
  });
}

/** Names and shapes of every weight the targets' units mask. */
export function maskedWeights(targets: readonly ResolvedTarget[]): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const t of targets) for (const u of t.units) for (const [n, s] of u.weights) out.set(n, s);
  return out;
}

/** All-ones masks of `weights`. */
export function fullMasks(weights: ReadonlyMap<string, readonly number[]>): MaskSet {
  const out: MaskSet = new Map();
  for (const [name, shape] of weights) {
    out.set(name, {
      shape: [...shape],
      mask: new Uint8Array(shape.reduce((a, b) => a * b, 1)).fill(1),
    });
  }
  return out;
}

/** Options of {@link selectMasks}. */
export interface SelectOptions {
  /** Element scores by weight name (higher keeps); weights without scores count 0. */
  scores: ReadonlyMap<string, Float32Array>;
  /** The sparsity to reach from a unit's final sparsity (the schedule's ramp); default: final. */
  at?: (final: number) => number;
  /** Masks so far: what they prune stays pruned (lowest score). */
  previous?: MaskSet;
}

/**
 * The masks that prune, for each target, the lowest-scoring groups: per unit (layer scope) or
 * over all units (global scope), exactly `round(sparsity · groups)` groups.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/config.ts";
 * import { maskSparsity } from "./mask.ts";
 * import { resolveTargets, selectMasks } from "./targets.ts";
 * const targets = resolveTargets(DISTILBERT_BASE, [{ pattern: "unstructured", sparsity: 0.5 }], new Map([["w", [2, 2]]]));
 * const masks = selectMasks(targets, { scores: new Map([["w", Float32Array.of(4, 1, 3, 2)]]) });
 * assert.deepEqual([...masks.get("w")!.mask], [1, 0, 1, 0]);
 * assert.equal(maskSparsity(masks).sparsity, 0.5);
 * ```
 */
export function selectMasks(targets: readonly ResolvedTarget[], options: SelectOptions): MaskSet {
  const masks = fullMasks(maskedWeights(targets));
  const previous = options.previous;
  if (previous) {
    for (const [name, { mask }] of masks) {
      const old = previous.get(name);
      if (old) mask.set(old.mask);
    }
  }
  const at = options.at ?? ((s: number) => s);
  const effective = effectiveScores(options.scores, masks, previous !== undefined);
  for (const t of targets) {
    const groupScores = t.units.map((u) => u.groupScores(effective));
    const eligible = t.units.map((u, i) => u.eligible?.(groupScores[i]));
    if (t.scope === "layer") {
      t.units.forEach((u, i) => {
        const k = Math.min(Math.round(at(t.sparsity[i]) * u.groups), u.maxPruned);
        u.applyKeep(pruneLowest(groupScores[i], k, eligible[i]), masks);
      });
      continue;
    }
    const all = new Float32Array(groupScores.reduce((a, g) => a + g.length, 0));
    const allEligible = new Uint8Array(all.length);
    let offset = 0;
    groupScores.forEach((g, i) => {
      all.set(g, offset);
      if (eligible[i]) allEligible.set(eligible[i]!, offset);
      else allEligible.fill(1, offset, offset + g.length);
      offset += g.length;
    });
    const most = t.units.reduce((a, u) => a + u.maxPruned, 0);
    const k = Math.min(Math.round(at(t.sparsity[0] ?? 0) * all.length), most);
    const keep = pruneLowest(all, k, allEligible);
    offset = 0;
    for (const u of t.units) {
      u.applyKeep(keep.subarray(offset, offset + u.groups), masks);
      offset += u.groups;
    }
  }
  return masks;
}

/** Scores with the entries already pruned set to −∞, so they stay pruned. */
function effectiveScores(
  scores: ReadonlyMap<string, Float32Array>,
  masks: MaskSet,
  anyPrevious: boolean,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, { mask }] of masks) {
    const s = scores.get(name);
    if (!anyPrevious && s) {
      out.set(name, s);
      continue;
    }
    const e = s ? s.slice() : new Float32Array(mask.length);
    for (let i = 0; i < mask.length; i++) if (!mask[i]) e[i] = -Infinity;
    out.set(name, e);
  }
  return out;
}
