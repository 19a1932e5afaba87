/**
 * Drawings of a subgraph (e.g. one transformer block) for notebooks: an SVG laid out in layers,
 * and the same graph as a Mermaid flowchart for Markdown renderers. Constants are folded into the
 * op labels (`MatMul [768×2304]`), so the picture shows the computation, not the plumbing.
 *
 * @module
 */

import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "../display/mod.ts";
import {
  DataType,
  GraphIndex,
  type Model,
  MS_DOMAIN,
  type Node,
  topologicalSort,
} from "../onnx/mod.ts";

/** Options of {@link subgraphDiagram}. */
export interface DiagramOptions {
  /**
   * Nodes to draw: their names, a name prefix (`"/distilbert/transformer/layer.0/"`), or a
   * predicate. Default: the whole graph.
   */
  nodes?: readonly string[] | string | ((node: Node) => boolean);
  /** Caption above the drawing. */
  title?: string;
  /** Draw `Constant` nodes (default false: their values count as constants). */
  showConstants?: boolean;
  /** Refuse to draw more nodes than this (default 200). */
  maxNodes?: number;
}

interface Box {
  id: string;
  label: string;
  sub: string;
  kind: "op" | "contrib" | "value";
  layer: number;
  x: number;
  width: number;
}

/** A drawing of a subgraph; shows itself as SVG in notebooks, `asMermaid()` as Markdown. */
export class SubgraphDiagram {
  constructor(
    /** The flowchart in Mermaid syntax. */
    readonly mermaid: string,
    /** The drawing as a standalone SVG document. */
    readonly svg: string,
    /** Op nodes drawn. */
    readonly nodeCount: number,
    readonly title?: string,
  ) {}

  /** The same drawing as a Mermaid block in Markdown (JupyterLab ≥ 4.1 renders it). */
  asMermaid(): { [JUPYTER_DISPLAY](): MimeBundle } {
    const markdown = `${
      this.title ? `**${this.title}**\n\n` : ""
    }\`\`\`mermaid\n${this.mermaid}\n\`\`\``;
    return { [JUPYTER_DISPLAY]: () => ({ "text/markdown": markdown, "text/plain": this.mermaid }) };
  }

  /** Rich output for Deno's Jupyter kernel: the SVG (Mermaid source as plain text). */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "image/svg+xml": this.svg, "text/plain": this.mermaid };
  }
}

/**
 * Draws the nodes of `model` selected by `options.nodes`, with the values they read from outside
 * the selection and the values they hand out of it as rounded boxes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { subgraphDiagram } from "./diagram.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const d = subgraphDiagram(buildDistilBert(config, { seed: 0 }), {
 *   nodes: "/distilbert/transformer/layer.0/ffn/",
 * });
 * assert.equal(d.nodeCount, 9); // lin1 MatMul+Add, the 5 GELU ops, lin2 MatMul+Add
 * assert.match(d.mermaid, /MatMul \[8×16\]/);
 * assert.match(d.svg, /^<svg/);
 * ```
 */
export function subgraphDiagram(model: Model, options: DiagramOptions = {}): SubgraphDiagram {
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const select = selector(options.nodes);
  const isConstant = (v: string) =>
    !!index.constant(v) && (!options.showConstants || !index.producer(v));
  const nodes = topologicalSort(graph).filter((n) =>
    select(n) && (options.showConstants || n.opType !== "Constant")
  );
  const max = options.maxNodes ?? 200;
  if (nodes.length > max) {
    throw new RangeError(
      `${nodes.length} nodes selected, more than maxNodes ${max}; select fewer (e.g. one layer's prefix).`,
    );
  }
  const inside = new Set(nodes);
  const boxes = new Map<string, Box>();
  const edges: [string, string][] = [];
  const valueBox = (value: string) => {
    const id = `v${boxes.size}`;
    const box: Box = {
      id,
      label: shortName(value),
      sub: "",
      kind: "value",
      layer: 0,
      x: 0,
      width: 0,
    };
    boxes.set(`value:${value}`, box);
    return box;
  };
  nodes.forEach((n, i) => {
    boxes.set(n.name, {
      id: `n${i}`,
      label: n.opType,
      sub: constantsLabel(n, index, isConstant),
      kind: n.domain === MS_DOMAIN ? "contrib" : "op",
      layer: 0,
      x: 0,
      width: 0,
    });
  });
  for (const n of nodes) {
    const target = boxes.get(n.name)!;
    for (const input of new Set(n.inputs)) {
      if (!input || isConstant(input)) continue;
      const producer = index.producer(input);
      const source = producer && inside.has(producer)
        ? boxes.get(producer.name)!
        : (boxes.get(`value:${input}`) ?? valueBox(input));
      edges.push([source.id, target.id]);
    }
  }
  for (const n of nodes) {
    for (const out of n.outputs) {
      const leaves = out &&
        (index.isGraphOutput(out) || index.consumers(out).some((c) => !inside.has(c)));
      if (leaves) edges.push([boxes.get(n.name)!.id, valueBox(out).id]);
    }
  }
  const list = [...boxes.values()];
  layout(list, edges);
  return new SubgraphDiagram(
    mermaidOf(list, edges),
    svgOf(list, edges, options.title),
    nodes.length,
    options.title,
  );
}

function selector(spec: DiagramOptions["nodes"]): (node: Node) => boolean {
  if (spec === undefined) return () => true;
  if (typeof spec === "string") return (n) => n.name.startsWith(spec);
  if (typeof spec === "function") return spec;
  const set = new Set(spec);
  return (n) => set.has(n.name);
}

function shortName(value: string): string {
  const leaf = value.split("/").slice(-2).join("/").replace(/_output_0$/, "");
  return leaf.length > 28 ? `…${leaf.slice(-27)}` : leaf;
}

/** `[768×2304]` for the first constant input with more than one element, or a scalar's value. */
function constantsLabel(node: Node, index: GraphIndex, isConstant: (v: string) => boolean) {
  for (const input of node.inputs) {
    if (!input || !isConstant(input)) continue;
    const t = index.constant(input)!;
    const integer = t.dataType === DataType.INT64 || t.dataType === DataType.INT32;
    if (integer && t.dims.length === 1 && t.data.length > 1 && t.data.length <= 8) {
      return `[${Array.from(t.data as ArrayLike<number | bigint>, Number).join(",")}]`;
    }
    if (t.dims.length > 0 && t.data.length > 1) return `[${t.dims.join("×")}]`;
  }
  for (const input of node.inputs) {
    if (!input || !isConstant(input)) continue;
    const t = index.constant(input)!;
    if (t.data.length === 1) return String(+Number(t.data[0]).toPrecision(4));
  }
  return "";
}

const BOX_HEIGHT = 36;
const LAYER_GAP = 26;
const BOX_GAP = 14;
const CHAR = 7;
const MARGIN = 40;

/** Longest-path layers, then an order within each layer by the mean position of the parents. */
function layout(boxes: Box[], edges: [string, string][]): void {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const parents = new Map<string, string[]>();
  for (const [s, t] of edges) parents.set(t, [...(parents.get(t) ?? []), s]);
  const layerOf = (id: string, seen = new Set<string>()): number => {
    const box = byId.get(id)!;
    if (box.layer > 0 || seen.has(id)) return box.layer;
    seen.add(id);
    const ps = parents.get(id) ?? [];
    box.layer = ps.length === 0 ? 0 : Math.max(...ps.map((p) => layerOf(p, seen) + 1));
    return box.layer;
  };
  for (const b of boxes) {
    layerOf(b.id);
    b.width = Math.max(64, CHAR * Math.max(b.label.length, b.sub.length) + 20);
  }
  const layers = new Map<number, Box[]>();
  for (const b of boxes) layers.set(b.layer, [...(layers.get(b.layer) ?? []), b]);
  const order = [...layers.keys()].sort((a, b) => a - b);
  for (const l of order) {
    const row = layers.get(l)!;
    if (l > 0) {
      const key = (b: Box) => {
        const ps = (parents.get(b.id) ?? []).map((p) => byId.get(p)!.x);
        return ps.length ? ps.reduce((s, x) => s + x, 0) / ps.length : 0;
      };
      row.sort((a, b) => key(a) - key(b));
    }
    let x = 0;
    for (const b of row) {
      b.x = x + b.width / 2;
      x += b.width + BOX_GAP;
    }
  }
  const widths = order.map((l) => layers.get(l)!.reduce((s, b) => s + b.width + BOX_GAP, -BOX_GAP));
  const total = Math.max(...widths, 0);
  order.forEach((l, i) => {
    for (const b of layers.get(l)!) b.x += (total - widths[i]) / 2 + MARGIN;
  });
}

/** Left edge of the boxes in layers strictly between `from` and `to`, for routing long edges. */
function detourX(boxes: Box[], from: number, to: number): number {
  const between = boxes.filter((b) => b.layer > from && b.layer < to);
  return Math.min(...between.map((b) => b.x - b.width / 2)) - 10;
}

function mermaidOf(boxes: Box[], edges: [string, string][]): string {
  const q = (s: string) => s.replace(/"/g, "#quot;");
  const lines = ["flowchart TD"];
  for (const b of boxes) {
    const text = q(b.sub ? `${b.label} ${b.sub}` : b.label);
    lines.push(b.kind === "value" ? `  ${b.id}(["${text}"])` : `  ${b.id}["${text}"]`);
  }
  for (const [s, t] of edges) lines.push(`  ${s} --> ${t}`);
  const contrib = boxes.filter((b) => b.kind === "contrib").map((b) => b.id);
  lines.push("  classDef contrib fill:#f9c784,stroke:#b86b00");
  lines.push("  classDef value fill:#eeeeee,stroke:#999999");
  if (contrib.length) lines.push(`  class ${contrib.join(",")} contrib`);
  const values = boxes.filter((b) => b.kind === "value").map((b) => b.id);
  if (values.length) lines.push(`  class ${values.join(",")} value`);
  return lines.join("\n");
}

function svgOf(boxes: Box[], edges: [string, string][], title?: string): string {
  const top = title ? 30 : 10;
  const y = (b: Box) => top + b.layer * (BOX_HEIGHT + LAYER_GAP);
  const titleWidth = title ? 8 * title.length + 20 : 0;
  const width = Math.max(200, titleWidth, ...boxes.map((b) => b.x + b.width / 2 + 10));
  const height = Math.max(...boxes.map((b) => y(b) + BOX_HEIGHT), top) + 10;
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const fill = { op: "#dbe9f6", contrib: "#f9c784", value: "#eeeeee" };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${
      Math.ceil(height)
    }" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="sans-serif">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" ` +
    `markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>`,
  ];
  if (title) {
    parts.push(`<text x="10" y="20" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`);
  }
  for (const [s, t] of edges) {
    const a = byId.get(s)!;
    const b = byId.get(t)!;
    const [x1, y1, x2, y2] = [a.x, y(a) + BOX_HEIGHT, b.x, y(b)];
    const mid = (y1 + y2) / 2;
    const d = b.layer - a.layer > 1
      ? ((dx) =>
        `M${x1},${y1} C${x1},${y1 + 18} ${dx},${y1 + 4} ${dx},${y1 + 24} L${dx},${y2 - 24} ` +
        `C${dx},${y2 - 4} ${x2},${y2 - 18} ${x2},${y2}`)(detourX(boxes, a.layer, b.layer))
      : `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
    parts.push(
      `<path d="${d}" fill="none" stroke="#666" stroke-width="1.2" marker-end="url(#arrow)"/>`,
    );
  }
  for (const b of boxes) {
    const rx = b.kind === "value" ? 16 : 4;
    parts.push(
      `<rect x="${b.x - b.width / 2}" y="${y(b)}" width="${b.width}" height="${BOX_HEIGHT}" ` +
        `rx="${rx}" fill="${fill[b.kind]}" stroke="#555"/>`,
    );
    const ty = b.sub ? y(b) + 15 : y(b) + 22;
    parts.push(
      `<text x="${b.x}" y="${ty}" font-size="12" text-anchor="middle"${
        b.kind === "value" ? "" : ' font-weight="bold"'
      }>${escapeHtml(b.label)}</text>`,
    );
    if (b.sub) {
      parts.push(
        `<text x="${b.x}" y="${y(b) + 29}" font-size="10" text-anchor="middle" fill="#333">${
          escapeHtml(b.sub)
        }</text>`,
      );
    }
  }
  parts.push("</svg>");
  return parts.join("\n");
}
