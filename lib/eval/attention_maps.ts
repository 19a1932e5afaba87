/**
 * Attention maps of a real forward pass: the Softmax output of every attention layer, read from
 * ONNX Runtime, as a layer × head grid of token-to-token heatmaps.
 *
 * @module
 */
import { Figure } from "../display/mod.ts";
import type { Model } from "../onnx/mod.ts";
import type { TokenBatch } from "../runtime/mod.ts";
import { captureIntermediates } from "./intermediates.ts";

/** The model has no attention Softmax of shape `[1, heads, seq, seq]`. */
export class AttentionMapsError extends Error {
  override name = "AttentionMapsError";
}

/** Every layer's attention probabilities for one sequence. */
export class AttentionMaps {
  constructor(
    /** Per layer, `[heads, seqLen, seqLen]` row-major: row = query token, column = key token. */
    readonly probabilities: readonly Float32Array[],
    readonly heads: number,
    readonly seqLen: number,
    /** The Softmax outputs they were read from, one per layer. */
    readonly names: readonly string[],
  ) {}

  get layers(): number {
    return this.probabilities.length;
  }

  /** The `seqLen × seqLen` map of one head (rows: queries, columns: keys). */
  map(layer: number, head: number): number[][] {
    const S = this.seqLen;
    const data = this.probabilities[layer];
    return Array.from(
      { length: S },
      (_, q) => Array.from(data.subarray((head * S + q) * S, (head * S + q + 1) * S)),
    );
  }
}

/** Options of {@link attentionMaps}. */
export interface AttentionMapsOptions {
  model: Model;
  /** One sequence (batch of size 1). */
  batch: TokenBatch;
}

/**
 * The attention probabilities of every layer for one sequence: the model's Softmax outputs of
 * shape `[1, heads, seq, seq]`, exposed as graph outputs and read from ONNX Runtime.
 *
 * @example
 * ```ts ignore
 * const maps = await attentionMaps({ model: await readModel(path), batch });
 * maps.map(0, 0); // layer 0, head 0
 * ```
 */
export async function attentionMaps(options: AttentionMapsOptions): Promise<AttentionMaps> {
  const { model, batch } = options;
  if (batch.size !== 1) {
    throw new AttentionMapsError(
      `attentionMaps takes one sequence, got a batch of ${batch.size}: pass a batch of size 1.`,
    );
  }
  const softmaxes = model.graph.nodes.filter((n) => n.opType === "Softmax").map((n) =>
    n.outputs[0]
  );
  const captured = await captureIntermediates({ model, batch, outputs: softmaxes });
  const S = batch.seqLen;
  const layers = softmaxes.filter((name) => {
    const { dims } = captured.get(name)!;
    return dims.length === 4 && dims[0] === 1 && dims[2] === S && dims[3] === S;
  });
  if (layers.length === 0) {
    throw new AttentionMapsError(
      `${model.graph.name}: none of its ${softmaxes.length} Softmax nodes outputs attention ` +
        `probabilities [1, heads, ${S}, ${S}]; is it a transformer exported without fused attention?`,
    );
  }
  return new AttentionMaps(
    layers.map((name) => captured.get(name)!.data),
    captured.get(layers[0])!.dims[1],
    S,
    layers,
  );
}

/** Options of {@link attentionGridFigure}. */
export interface AttentionGridOptions {
  /** Token strings for the axes. */
  tokens?: readonly string[];
  title?: string;
}

/**
 * A layer × head grid of heatmaps (rows: layers, columns: heads; in each map the rows are the
 * query tokens and the columns the tokens they attend to).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AttentionMaps, attentionGridFigure } from "./attention_maps.ts";
 * const maps = new AttentionMaps([new Float32Array([1, 0, 0.5, 0.5])], 1, 2, ["p"]);
 * const fig = attentionGridFigure(maps, { tokens: ["[CLS]", "[SEP]"] });
 * assert.deepEqual((fig.data[0] as { z: number[][] }).z, [[1, 0], [0.5, 0.5]]);
 * ```
 */
export function attentionGridFigure(
  maps: AttentionMaps,
  options: AttentionGridOptions = {},
): Figure {
  const labels = options.tokens
    ? options.tokens.map((t, i) => `${i}:${t}`)
    : Array.from({ length: maps.seqLen }, (_, i) => String(i));
  const data = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? "Attention maps: layers (rows) × heads (columns)" },
    grid: { rows: maps.layers, columns: maps.heads, pattern: "independent" },
    height: 40 + 160 * maps.layers,
    width: 60 + 160 * maps.heads,
    margin: { l: 40, r: 10, t: 50, b: 20 },
  };
  const annotations = [];
  for (let layer = 0; layer < maps.layers; layer++) {
    for (let head = 0; head < maps.heads; head++) {
      const index = layer * maps.heads + head + 1;
      const suffix = index === 1 ? "" : String(index);
      data.push({
        type: "heatmap",
        z: maps.map(layer, head).map((row) => row.map((v) => Math.round(v * 1000) / 1000)),
        x: labels,
        y: labels,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        zmin: 0,
        zmax: 1,
        colorscale: "Viridis",
        showscale: index === 1,
        hovertemplate: `layer ${layer} head ${head}<br>%{y} → %{x}: %{z}<extra></extra>`,
      });
      layout[`xaxis${suffix}`] = { showticklabels: false };
      layout[`yaxis${suffix}`] = { showticklabels: false, autorange: "reversed" };
      annotations.push({
        text: `L${layer} H${head}`,
        xref: `x${suffix} domain`,
        yref: `y${suffix} domain`,
        x: 0.5,
        y: 1.12,
        showarrow: false,
        font: { size: 10 },
      });
    }
  }
  layout.annotations = annotations;
  return new Figure(data, layout);
}
