/**
 * The criterion registry: `magnitude`, `taylor`, `snip-momentum`, `group-lasso` and the
 * `random` baseline are built in; {@link registerCriterion} adds more.
 *
 * @module
 */
import { UnknownCriterionError } from "../errors.ts";
import { groupLassoCriterion } from "./group_lasso.ts";
import { magnitudeCriterion } from "./magnitude.ts";
import { randomCriterion } from "./random.ts";
import { snipMomentumCriterion } from "./snip_momentum.ts";
import { taylorCriterion } from "./taylor.ts";
import type { CriterionOptions, PruneCriterion } from "./types.ts";

/** Makes a fresh criterion (criteria hold per-run state). */
export type CriterionFactory = (options: CriterionOptions) => PruneCriterion;

const registry = new Map<string, CriterionFactory>([
  ["magnitude", magnitudeCriterion],
  ["taylor", taylorCriterion],
  ["snip-momentum", snipMomentumCriterion],
  ["group-lasso", groupLassoCriterion],
  ["random", randomCriterion],
]);

/**
 * Registers a criterion factory under `name` (replacing one of the same name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCriterion, registerCriterion } from "./registry.ts";
 * import { magnitudeCriterion } from "./magnitude.ts";
 * registerCriterion("my-magnitude", (o) => ({ ...magnitudeCriterion(o), name: "my-magnitude" }));
 * assert.equal(createCriterion("my-magnitude").name, "my-magnitude");
 * ```
 */
export function registerCriterion(name: string, factory: CriterionFactory): void {
  registry.set(name, factory);
}

/** The registered criterion names. */
export function criterionNames(): string[] {
  return [...registry.keys()];
}

/**
 * A fresh criterion named `name`; throws {@link UnknownCriterionError} listing the names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCriterion } from "./registry.ts";
 * assert.equal(createCriterion("taylor").needsGradients, true);
 * assert.throws(() => createCriterion("hessian"), /magnitude, taylor/);
 * ```
 */
export function createCriterion(name: string, options: CriterionOptions = {}): PruneCriterion {
  const factory = registry.get(name);
  if (!factory) {
    throw new UnknownCriterionError(
      `criterion: no criterion is named ${JSON.stringify(name)}; use one of ${
        criterionNames().join(", ")
      }, or register yours with registerCriterion.`,
    );
  }
  return factory(options);
}
