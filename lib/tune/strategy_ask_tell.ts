/**
 * An ask/tell strategy adapter: an external optimizer service proposes trials and receives their
 * results over HTTP, in the shape of SigOpt's API (experiments, suggestions, observations) — the
 * "SigOpt" strategy of the workshop's tuner slide, for any hosted optimizer that speaks it or a
 * thin proxy in front of one. JSON over HTTP:
 *
 * - `POST {url}/experiments` with `{ name, parameters, fallbackUnits, baseline, threshold }` → `{ id }`. `parameters` lists each recipe dimension with its values
 *   (`{ name, type: "categorical", values }`, values as strings); `fallbackUnits` the labels of
 *   the blocks that may be left in FP32.
 * - `POST {url}/experiments/{id}/suggestions` → `{ id, assignments: { <dimension>: value, …,
 *   fallback: [unit, …] } }`, or `{ done: true }` when the service has nothing more to propose.
 * - `POST {url}/experiments/{id}/observations` with `{ suggestion, value, met, metadata: {
 *   accuracy, latencyMs, sizeBytes, fallbackNodes } }` (`value`: the accuracy).
 *
 * Suggestions are checked: an unknown dimension, value or fallback unit is a {@link TuneError}
 * naming it. A trial the run already made is told again without re-running it.
 *
 * @module
 */

import { TuneError } from "./errors.ts";
import type { FallbackGroup } from "./groups.ts";
import type { Candidate } from "./quantization_space.ts";
import { pruneRecipe, type Recipe } from "./recipes.ts";
import type { TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";

/** Options of {@link askTellStrategy}. */
export interface AskTellOptions {
  /** Name in the registry and the history (default `"ask-tell"`). */
  name?: string;
  /** Base URL of the optimizer service (e.g. `http://127.0.0.1:8080/v1`). */
  url: string;
  /** Extra request headers (e.g. `{ authorization: "Bearer …" }`). */
  headers?: Record<string, string>;
  /** Name of the experiment on the service (default `"workshop tune"`). */
  experiment?: string;
}

/** One suggestion of the service. */
interface Suggestion {
  id: string | number;
  assignments: Record<string, unknown>;
}

/**
 * A strategy whose trials an optimizer service proposes over HTTP (see the module doc). Register
 * it with `registerStrategy(askTellStrategy({ name: "sigopt", url }))` to use it by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { askTellStrategy } from "./strategy_ask_tell.ts";
 * const strategy = askTellStrategy({ name: "sigopt", url: "http://127.0.0.1:9/v1" });
 * assert.equal(strategy.name, "sigopt");
 * ```
 */
export function askTellStrategy(options: AskTellOptions): TuneStrategy {
  const base = options.url.replace(/\/+$/, "");
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new TuneError(
        `optimizer service ${base}${path} answered ${response.status}: ${text.slice(0, 200)}`,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new TuneError(
        `optimizer service ${base}${path} answered non-JSON: ${text.slice(0, 80)}`,
      );
    }
  };
  return {
    name: options.name ?? "ask-tell",
    description: `trials proposed by the optimizer service at ${base} (SigOpt-style ask/tell)`,
    async run(ctx) {
      const blocks = ctx.blocks();
      const units = blocks.length > 1 ? blocks : [];
      const parameters = Object.entries(ctx.space).filter(([, v]) => v.length > 0)
        .map(([name, values]) => ({ name, type: "categorical", values: values.map(String) }));
      const experiment = await post("/experiments", {
        name: options.experiment ?? "workshop tune",
        parameters,
        fallbackUnits: units.map((u) => u.label),
        baseline: ctx.baseline.accuracy,
        threshold: ctx.threshold,
      });
      if (experiment?.id === undefined) {
        throw new TuneError(`optimizer service ${base}/experiments answered without an id.`);
      }
      const path = `/experiments/${encodeURIComponent(String(experiment.id))}`;
      for (;;) {
        if (ctx.stopReason) return;
        const suggestion = await post(`${path}/suggestions`, {});
        if (suggestion?.done) return;
        const candidate = toCandidate(ctx, suggestion as Suggestion, units, base);
        const trial = ctx.tried(candidate)
          ? ctx.history.find((t) => ctx.loop.space.key(candidate) === keyOfTrial(ctx, t))
          : await ctx.run(candidate);
        if (!trial) return;
        await post(`${path}/observations`, {
          suggestion: (suggestion as Suggestion).id,
          value: trial.accuracy,
          met: trial.met,
          metadata: {
            accuracy: trial.accuracy,
            latencyMs: trial.latencyMs,
            sizeBytes: trial.sizeBytes,
            fallbackNodes: trial.fallbackNodes.length,
          },
        });
        if (ctx.satisfied(trial)) return;
      }
    },
  };
}

function keyOfTrial(ctx: TuneContext, t: { config: { recipe: Recipe }; fallbackNodes: string[] }) {
  return ctx.loop.space.key({
    phase: "",
    recipe: t.config.recipe,
    fallback: t.fallbackNodes.map((n) => ({ label: n, nodes: [n] })),
  });
}

/** The candidate of a suggestion; a {@link TuneError} names what does not fit the space. */
function toCandidate(
  ctx: TuneContext,
  suggestion: Suggestion,
  units: readonly FallbackGroup[],
  base: string,
): Candidate {
  const where = `suggestion ${suggestion?.id} of ${base}`;
  if (!suggestion || typeof suggestion.assignments !== "object") {
    throw new TuneError(`${where} has no assignments object.`);
  }
  const recipe: Record<string, unknown> = { ...ctx.defaultRecipe };
  let fallback: FallbackGroup[] = [];
  for (const [name, value] of Object.entries(suggestion.assignments)) {
    if (name === "fallback") {
      if (!Array.isArray(value)) throw new TuneError(`${where}: fallback must be a list of units.`);
      fallback = value.map((label) => {
        const unit = units.find((u) => u.label === label);
        if (!unit) {
          throw new TuneError(
            `${where}: fallback unit "${label}" is not one of ${
              units.map((u) => u.label).join(", ")
            }.`,
          );
        }
        return unit;
      });
      continue;
    }
    const values = ctx.space[name];
    if (!values || values.length === 0) {
      throw new TuneError(`${where}: unknown parameter "${name}".`);
    }
    const match = values.find((v) => String(v) === String(value));
    if (match === undefined) {
      throw new TuneError(
        `${where}: ${name} = ${JSON.stringify(value)} is not one of ${values.join(", ")}.`,
      );
    }
    recipe[name] = match;
  }
  return { phase: "ask-tell", recipe: pruneRecipe(recipe as Recipe), fallback };
}
