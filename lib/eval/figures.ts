import { Figure } from "../display/figure.ts";
import type { ClassificationMetrics } from "./metrics.ts";

/**
 * The confusion matrix as a plotly heatmap (rows: true label, columns: predicted label).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classificationMetrics, confusionFigure } from "./mod.ts";
 * const m = classificationMetrics({ predictions: [1, 0], labels: [1, 1] });
 * const fig = confusionFigure(m, { labels: ["not equivalent", "equivalent"] });
 * assert.deepEqual(fig.data[0].z, [[0, 0], [1, 1]]);
 * ```
 */
export function confusionFigure(
  metrics: ClassificationMetrics,
  options: { labels?: string[]; title?: string } = {},
): Figure {
  const labels = options.labels ?? metrics.confusion.map((_, i) => String(i));
  return new Figure([{
    type: "heatmap",
    z: metrics.confusion,
    x: labels,
    y: labels,
    colorscale: "Blues",
    text: metrics.confusion.map((row) => row.map(String)),
    texttemplate: "%{text}",
    hovertemplate: "true %{y}<br>predicted %{x}<br>%{z} pairs<extra></extra>",
  }], {
    title: { text: options.title ?? "Confusion matrix" },
    xaxis: { title: { text: "predicted" } },
    yaxis: { title: { text: "true label" }, autorange: "reversed" },
    width: 460,
    height: 400,
  });
}
