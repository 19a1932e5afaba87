/**
 * Tuning strategies: one per file (`strategy_basic.ts`, `strategy_random.ts`, or a file of your
 * own, inside or outside `lib/`), each registered with {@link registerStrategy}, as Intel Neural
 * Compressor organizes its strategies. A strategy proposes candidates to the
 * {@link TuneContext}, which runs them as trials and keeps the budget; `tune({ strategy })` and
 * `deno task quantize --strategy` take any registered name.
 *
 * @module
 */

import type { TuneContext } from "./tune_context.ts";
import { Registry } from "./registry.ts";

/** A search over the quantization configuration space. */
export interface TuneStrategy {
  /** Name in the registry, the history table and messages. */
  readonly name: string;
  /** One line for `--help` and listings. */
  readonly description?: string;
  /**
   * Runs trials through `ctx.run` until one meets the criterion (`trial.met`), the space is
   * exhausted, or `ctx.run` returns undefined (budget spent). A strategy names the phase of each
   * candidate (any string; the history chart gives each phase its own marker).
   */
  run(ctx: TuneContext): Promise<void>;
}

/**
 * Name → strategy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StrategyRegistry } from "./strategy.ts";
 * const registry = new StrategyRegistry([{ name: "none", run: async () => {} }]);
 * assert.equal(registry.get("none").name, "none");
 * assert.throws(() => registry.get("bayesian"), /unknown tuning strategy "bayesian"/);
 * ```
 */
export class StrategyRegistry extends Registry<TuneStrategy> {
  constructor(strategies: Iterable<TuneStrategy> = []) {
    super("tuning strategy", strategies, {
      hint: "(or register your own { name, run } with registerStrategy)",
    });
  }
}

/** The strategies `tune` knows by name; `basic` and `random` register themselves on import. */
export const TUNE_STRATEGIES: StrategyRegistry = new StrategyRegistry();

/**
 * Registers a strategy under its name, so `tune({ strategy: name })` and
 * `deno task quantize --strategy name` find it. Throws when the name is taken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerStrategy, TUNE_STRATEGIES } from "./mod.ts";
 * registerStrategy({
 *   name: "default-only",
 *   async run(ctx) {
 *     await ctx.run({ phase: "default", recipe: ctx.defaultRecipe });
 *   },
 * });
 * assert.ok(TUNE_STRATEGIES.names().includes("default-only"));
 * ```
 */
export function registerStrategy(strategy: TuneStrategy): TuneStrategy {
  TUNE_STRATEGIES.register(strategy);
  return strategy;
}

/** The strategy of `nameOrStrategy`: a registered name, or a strategy object as is. */
export function resolveStrategy(nameOrStrategy: string | TuneStrategy): TuneStrategy {
  return typeof nameOrStrategy === "object" ? nameOrStrategy : TUNE_STRATEGIES.get(nameOrStrategy);
}
