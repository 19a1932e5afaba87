import { Figure } from "../display/figure.ts";
import type { EncodedPair } from "./tokenizer.ts";
import type { MrpcRow } from "./rows.ts";

/**
 * How many pairs of each label a split has: MRPC is unbalanced (about 68% "equivalent"), which
 * is why accuracy near 0.68 means a model learned little.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { labelBalanceFigure } from "./figures.ts";
 * const rows = [{ sentence1: "a", sentence2: "b", label: 1, idx: 0 }];
 * assert.deepEqual(labelBalanceFigure(rows).data[0].y, [0, 1]);
 * ```
 */
export function labelBalanceFigure(
  rows: readonly MrpcRow[],
  options: { labels?: string[]; title?: string } = {},
): Figure {
  const names = options.labels ?? ["not equivalent (0)", "equivalent (1)"];
  const counts = names.map((_, label) => rows.filter((r) => r.label === label).length);
  return new Figure([{ type: "bar", x: names, y: counts, text: counts, textposition: "auto" }], {
    title: { text: options.title ?? `Labels (${rows.length} pairs)` },
    yaxis: { title: { text: "pairs" } },
    width: 460,
    height: 360,
  });
}

/**
 * Histogram of tokenized pair lengths: it shows how much padding fixed-length batches would
 * waste, and why the kit pads each batch only to its longest row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenLengthFigure } from "./figures.ts";
 * const fig = tokenLengthFigure([{ inputIds: [101, 102], attentionMask: [1, 1] }]);
 * assert.deepEqual(fig.data[0].x, [2]);
 * ```
 */
export function tokenLengthFigure(
  encoded: readonly EncodedPair[],
  options: { title?: string } = {},
): Figure {
  return new Figure([{ type: "histogram", x: encoded.map((e) => e.inputIds.length), nbinsx: 40 }], {
    title: { text: options.title ?? "Tokens per pair" },
    xaxis: { title: { text: "tokens ([CLS] s1 [SEP] s2 [SEP])" } },
    yaxis: { title: { text: "pairs" } },
    width: 560,
    height: 360,
  });
}
