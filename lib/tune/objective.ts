/**
 * Objectives among passing trials. By default (`"accuracy"`) the search ends at the first trial
 * that meets the criterion and ranks passing trials by the space's cost (fewest nodes in FP32),
 * as Intel Neural Compressor does. `"latency"` and `"size"` keep searching until the budget ends
 * and pick the fastest (smallest) passing trial — "the fastest passing configuration within the
 * budget", not the first. `"pareto"` does the same and the answer is the front of accuracy vs
 * latency vs size ({@link paretoFront}, drawn by {@link paretoFigure}); its best is the fastest.
 *
 * @module
 */

import { Figure } from "../display/mod.ts";
import { TuneOptionsError } from "./errors.ts";
import type { TrialMeasures } from "./search_loop.ts";

/** What to optimize among trials that meet the criterion. */
export type TuneObjective = "accuracy" | "latency" | "size" | "pareto";

/** The objectives by name. */
export const TUNE_OBJECTIVES: readonly TuneObjective[] = ["accuracy", "latency", "size", "pareto"];

/** Throws a {@link TuneOptionsError} for an unknown objective or one that needs timing. */
export function checkObjective(objective: string, timed: boolean): TuneObjective {
  if (!TUNE_OBJECTIVES.includes(objective as TuneObjective)) {
    throw new TuneOptionsError(
      `objective "${objective}" is unknown; use one of ${TUNE_OBJECTIVES.join(", ")}.`,
    );
  }
  if (!timed && (objective === "latency" || objective === "pareto")) {
    throw new TuneOptionsError(
      `objective "${objective}" needs trial latencies: drop latency: false.`,
    );
  }
  return objective as TuneObjective;
}

/** Whether the objective keeps searching after the first passing trial. */
export function continuesAfterMet(objective: TuneObjective): boolean {
  return objective !== "accuracy";
}

/**
 * Orders trials best first for `objective`: passing before failing; among passing ones the
 * objective's figure (lower first), then `fallback` (the space's ranking); failing ones by
 * `fallback`. Undefined for `"accuracy"` (the space's ranking as is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectiveCompare } from "./objective.ts";
 * const t = (index: number, met: boolean, latencyMs: number) => ({ index, met, latencyMs, sizeBytes: 1, accuracy: 1 }) as never;
 * const order = objectiveCompare("latency", (a: { index: number }, b: { index: number }) => a.index - b.index)!;
 * assert.deepEqual([t(0, true, 5), t(1, false, 1), t(2, true, 3)].sort(order).map((x: { index: number }) => x.index), [2, 0, 1]);
 * ```
 */
export function objectiveCompare<T extends TrialMeasures>(
  objective: TuneObjective,
  fallback: (a: T, b: T) => number,
): ((a: T, b: T) => number) | undefined {
  if (objective === "accuracy") return undefined;
  const figure = objective === "size" ? (t: T) => t.sizeBytes : (t: T) => t.latencyMs ?? Infinity;
  return (a, b) => {
    if (a.met !== b.met) return a.met ? -1 : 1;
    if (a.met) {
      const d = figure(a) - figure(b);
      if (d !== 0 && Number.isFinite(d)) return d;
    }
    return fallback(a, b);
  };
}

/** Whether `a` dominates `b`: no worse in accuracy, latency and size, better in one. */
export function dominates(a: TrialMeasures, b: TrialMeasures): boolean {
  const la = a.latencyMs ?? Infinity;
  const lb = b.latencyMs ?? Infinity;
  const noWorse = a.accuracy >= b.accuracy && la <= lb && a.sizeBytes <= b.sizeBytes;
  const better = a.accuracy > b.accuracy || la < lb || a.sizeBytes < b.sizeBytes;
  return noWorse && better;
}

/**
 * The trials no other trial dominates (higher accuracy, lower latency, smaller size), by accuracy
 * descending. Trials without a latency count as infinitely slow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paretoFront } from "./objective.ts";
 * const t = (index: number, accuracy: number, latencyMs: number, sizeBytes: number) => ({ index, accuracy, latencyMs, sizeBytes }) as never;
 * const front = paretoFront([t(0, 0.9, 10, 100), t(1, 0.8, 5, 100), t(2, 0.8, 6, 100), t(3, 0.7, 5, 50)]);
 * assert.deepEqual(front.map((x: { index: number }) => x.index), [0, 1, 3]);
 * ```
 */
export function paretoFront<T extends TrialMeasures>(trials: readonly T[]): T[] {
  return trials.filter((t) => !trials.some((o) => o !== t && dominates(o, t)))
    .sort((a, b) => b.accuracy - a.accuracy || a.index - b.index);
}

/**
 * Accuracy vs latency of every trial (marker area ∝ size; passing trials filled), the Pareto
 * front as a line, and the criterion's threshold as a dashed line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paretoFigure } from "./objective.ts";
 * const t = (index: number, accuracy: number, latencyMs: number, met: boolean) => ({ index, accuracy, latencyMs, sizeBytes: 1e6, met, phase: "p" }) as never;
 * const fig = paretoFigure([t(0, 0.9, 10, true), t(1, 0.7, 5, false)], { threshold: 0.8 });
 * assert.equal(fig.data.length, 4); // passing, failing, the front, the threshold
 * ```
 */
export function paretoFigure(
  trials: readonly TrialMeasures[],
  options: { threshold?: number; title?: string } = {},
): Figure {
  const timed = trials.filter((t) => t.latencyMs !== undefined);
  const front = paretoFront(timed).sort((a, b) => a.latencyMs! - b.latencyMs!);
  const maxSize = Math.max(1, ...timed.map((t) => t.sizeBytes));
  const marker = (list: readonly TrialMeasures[], filled: boolean) => ({
    size: list.map((t) => 8 + 16 * Math.sqrt(t.sizeBytes / maxSize)),
    symbol: filled ? "circle" : "circle-open",
  });
  const points = (met: boolean) => {
    const list = timed.filter((t) => t.met === met);
    return {
      type: "scatter",
      mode: "markers",
      name: met ? "meets the criterion" : "fails it",
      x: list.map((t) => t.latencyMs),
      y: list.map((t) => t.accuracy),
      text: list.map((t) => `trial ${t.index} (${t.phase}), ${(t.sizeBytes / 1e6).toFixed(2)} MB`),
      marker: marker(list, met),
    };
  };
  const xs = timed.map((t) => t.latencyMs!);
  const threshold = options.threshold === undefined ? [] : [{
    type: "scatter",
    mode: "lines",
    name: "threshold",
    x: [Math.min(...xs), Math.max(...xs)],
    y: [options.threshold, options.threshold],
    line: { dash: "dash", color: "gray" },
  }];
  return new Figure(
    [
      points(true),
      points(false),
      {
        type: "scatter",
        mode: "lines",
        name: "Pareto front",
        x: front.map((t) => t.latencyMs),
        y: front.map((t) => t.accuracy),
        line: { shape: "hv" },
      },
      ...threshold,
    ].slice(0, options.threshold === undefined ? 3 : 4),
    {
      title: { text: options.title ?? "Accuracy vs latency (marker area ∝ model size)" },
      xaxis: { title: { text: "latency (ms)" } },
      yaxis: { title: { text: "accuracy" } },
    },
  );
}
