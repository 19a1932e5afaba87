/**
 * The tuner's trial history as a chart: accuracy per trial, one marker per strategy phase, with
 * the FP32 accuracy and the criterion's threshold as lines and the best trial circled.
 *
 * @module
 */

import { Figure, type PlotlyTrace } from "../display/mod.ts";
import { describeCriterion } from "./criterion.ts";
import { describeRecipe } from "./recipes.ts";
import type { TuneResult } from "./result.ts";

/** Markers of the built-in strategies' phases. */
const SYMBOLS: Record<string, string> = {
  default: "circle",
  recipe: "diamond",
  "block-fallback": "square",
  "op-fallback": "triangle-up",
  random: "x",
};

/** Markers for phases other strategies name, given in order of first appearance. */
const SPARE_SYMBOLS = ["star", "hexagon", "pentagon", "cross", "triangle-down", "hourglass"];

/**
 * A plotly figure of `result.history`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyFigure } from "./figures.ts";
 * const trial = (index: number, phase: string, accuracy: number, met: boolean) => ({
 *   index, phase, accuracy, met, fallbackNodes: [], metrics: {}, sizeBytes: 1, seconds: 0, quantizedNodes: 1,
 *   config: { approach: "static", phase, recipe: { perChannel: true }, fallback: [], options: {} },
 * });
 * const history = [trial(0, "default", 0.9, false), trial(1, "op-fallback", 0.995, true)];
 * const fig = historyFigure({
 *   history, best: history[1], baseline: { accuracy: 1, sizeBytes: 1, metrics: {} },
 *   threshold: 0.99, criterion: { relative: 0.01 }, strategy: "basic", met: true,
 * } as never);
 * assert.deepEqual(fig.data.map((t) => t.name), ["default", "op-fallback", "FP32", "criterion (≤ 1% relative loss)", "best"]);
 * ```
 */
export function historyFigure(
  result: Pick<
    TuneResult,
    "history" | "best" | "baseline" | "threshold" | "criterion" | "strategy" | "met"
  >,
): Figure {
  const phases = [...new Set(result.history.map((t) => t.phase))];
  const spare = phases.filter((phase) => !(phase in SYMBOLS));
  const symbol = (phase: string) =>
    SYMBOLS[phase] ?? SPARE_SYMBOLS[spare.indexOf(phase) % SPARE_SYMBOLS.length];
  const traces: PlotlyTrace[] = phases.map((phase) => {
    const trials = result.history.filter((t) => t.phase === phase);
    return {
      type: "scatter",
      mode: "markers",
      name: phase,
      x: trials.map((t) => t.index),
      y: trials.map((t) => t.accuracy),
      text: trials.map((t) =>
        `${describeRecipe(t.config.recipe)}<br>${t.fallbackNodes.length} node(s) FP32` +
        (t.agreement === undefined ? "" : `<br>agreement ${t.agreement.toFixed(4)}`)
      ),
      hovertemplate: "trial %{x}: accuracy %{y:.4f}<br>%{text}<extra></extra>",
      marker: { symbol: symbol(phase), size: 10 },
    };
  });
  const span = [-0.5, Math.max(result.history.length - 0.5, 0.5)];
  traces.push(
    {
      type: "scatter",
      mode: "lines",
      name: "FP32",
      x: span,
      y: [result.baseline.accuracy, result.baseline.accuracy],
      line: { dash: "dot", color: "gray" },
    },
    {
      type: "scatter",
      mode: "lines",
      name: `criterion (${describeCriterion(result.criterion)})`,
      x: span,
      y: [result.threshold, result.threshold],
      line: { dash: "dash", color: "crimson" },
    },
    {
      type: "scatter",
      mode: "markers",
      name: "best",
      x: [result.best.index],
      y: [result.best.accuracy],
      marker: { symbol: "circle-open", size: 20, line: { width: 2 }, color: "black" },
      hoverinfo: "skip",
    },
  );
  return new Figure(traces, {
    title: {
      text: `Tuning history (${result.strategy}): ${
        result.met ? `met at trial ${result.best.index}` : "criterion not met"
      }`,
    },
    xaxis: { title: { text: "trial" }, dtick: 1 },
    yaxis: { title: { text: "accuracy" } },
  });
}
