/**
 * The random baseline: seeded uniform scores, drawn once per weight and kept, so a gradual
 * schedule prunes one consistent random order. Every other criterion must beat it.
 *
 * @module
 */
import { mixSeed, Rng } from "../../random/mod.ts";
import type { CriterionOptions, PruneCriterion } from "./types.ts";

function nameSeed(seed: number, name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return mixSeed(seed, h >>> 0);
}

/**
 * The random criterion (same seed and weight name: same scores).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomCriterion } from "./random.ts";
 * const context = { names: ["w"], weight: () => new Float32Array(4) };
 * const a = randomCriterion({ seed: 1 }).scores(context).get("w")!;
 * assert.deepEqual(randomCriterion({ seed: 1 }).scores(context).get("w"), a);
 * assert.notDeepEqual(randomCriterion({ seed: 2 }).scores(context).get("w"), a);
 * ```
 */
export function randomCriterion(options: CriterionOptions = {}): PruneCriterion {
  const seed = options.seed ?? 0;
  const drawn = new Map<string, Float32Array>();
  return {
    name: "random",
    needsGradients: false,
    scoringSteps: options.scoringSteps ?? 0,
    scores: ({ names, weight }) =>
      new Map(names.map((name) => {
        let s = drawn.get(name);
        if (!s) {
          const rng = new Rng(nameSeed(seed, name));
          s = new Float32Array(weight(name).length);
          for (let i = 0; i < s.length; i++) s[i] = rng.next();
          drawn.set(name, s);
        }
        return [name, s];
      })),
  };
}
