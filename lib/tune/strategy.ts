/**
 * Tuning strategies: one per file (`strategy_basic.ts`, `strategy_random.ts`) in a registry, as
 * Intel Neural Compressor organizes its strategies. A strategy proposes candidates to the
 * {@link TuneContext}, which runs them as trials and keeps the budget.
 *
 * @module
 */

import type { TuneContext } from "./context.ts";
import { TuneOptionsError } from "./errors.ts";

/** A search over the configuration space. */
export interface TuneStrategy {
  /** Name in the history table and messages. */
  readonly name: string;
  /**
   * Runs trials through `ctx.run` until one meets the criterion (`trial.met`), the space is
   * exhausted, or `ctx.run` returns undefined (budget spent).
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
export class StrategyRegistry {
  readonly #strategies = new Map<string, TuneStrategy>();

  constructor(strategies: Iterable<TuneStrategy> = []) {
    for (const s of strategies) this.register(s);
  }

  /** Adds a strategy; throws when the name is taken. */
  register(strategy: TuneStrategy): this {
    if (this.#strategies.has(strategy.name)) {
      throw new TuneOptionsError(
        `a tuning strategy named "${strategy.name}" is already registered.`,
      );
    }
    this.#strategies.set(strategy.name, strategy);
    return this;
  }

  /** The strategy of `name`, or a {@link TuneOptionsError} listing the known ones. */
  get(name: string): TuneStrategy {
    const strategy = this.#strategies.get(name);
    if (!strategy) {
      throw new TuneOptionsError(
        `unknown tuning strategy "${name}"; use one of ${
          this.names().map((n) => `"${n}"`).join(", ")
        } ` +
          "or pass your own { name, run }.",
      );
    }
    return strategy;
  }

  names(): string[] {
    return [...this.#strategies.keys()];
  }
}
