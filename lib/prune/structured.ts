/**
 * Structured pruning that shrinks the graph for real: FFN units, attention heads (different
 * counts per layer) and whole layers are cut out of an ONNX DistilBERT — weights, biases and the
 * head-count reshapes rewritten — in the kit's own exports and in `torch.onnx.export` graphs alike
 * (both are found by the Linears' state-dict names and the reshapes next to them). The smaller
 * model's config carries its per-layer sizes (`DistilBertConfig.layers`), so
 * `buildDistilBertGraph` rebuilds the same model from its weights. Fusion runs afterwards.
 *
 * Removal is exact: the pruned model computes what the dense model computes with the same groups
 * masked (a removed FFN unit's column of `lin2` and a removed head's columns of `out_lin` are what
 * carry their contribution; the units' rows of `lin1`, `q/k/v_lin` no longer matter).
 *
 * @module
 */

import { DEFAULT_PASSES, fuse } from "../fuse/mod.ts";
import {
  type DistilBertConfig,
  layerSizes,
  toHubConfigJson,
  type WeightMap,
} from "../model/mod.ts";
import {
  DataType,
  type Graph,
  type Linear,
  type Model,
  type Node,
  removeDeadNodes,
  RewriteContext,
  tensorToFloat32,
} from "../onnx/mod.ts";
import { type StructuredPlan, StructuredPlanError } from "./mask.ts";
import { linearsByStateDictName } from "./onnx_masks.ts";

/** A model that structured pruning cannot rewrite (not an unfused DistilBERT); names the fix. */
export class StructuredPruneError extends Error {
  override name = "StructuredPruneError";
}

/** Options of {@link pruneStructured}. */
export interface PruneStructuredOptions {
  /** The model's config (per-layer sizes included when it was pruned before). */
  config: DistilBertConfig;
  /** What to keep in each layer (`null`: remove the layer). */
  plan: StructuredPlan;
  /** Fusion passes to run afterwards (default `DEFAULT_PASSES` of lib/fuse); `false`: none. */
  passes?: readonly string[] | false;
}

/** What {@link pruneStructured} returns. */
export interface PruneStructuredResult {
  /** The smaller model (a new object; the input is not changed). */
  model: Model;
  /** Its config: fewer layers, per-layer heads and FFN units. */
  config: DistilBertConfig;
  /** What went: layers, heads and FFN units (of the kept layers). */
  removed: { layers: number; heads: number; ffnUnits: number };
}

/**
 * Physically removes the FFN units, heads and layers that `plan` drops from an unfused ONNX
 * DistilBERT (the kit's export or a torch export), then runs the fusion passes. Throws
 * `StructuredPlanError` for a plan that does not fit the config (see {@link checkStructuredPlan})
 * and {@link StructuredPruneError} for a graph whose Linears or reshapes are not DistilBERT's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { findLinears } from "../onnx/mod.ts";
 * import { pruneStructured } from "./structured.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const plan = { layers: [{ ffnKeep: [0, 3, 5], headsKeep: [1] }, null] };
 * const pruned = pruneStructured(buildDistilBert(config, { seed: 1 }), { config, plan, passes: false });
 * assert.deepEqual(pruned.config.layers, [{ nHeads: 1, hiddenDim: 3 }]);
 * assert.deepEqual(pruned.removed, { layers: 1, heads: 1, ffnUnits: 13 });
 * assert.equal(findLinears(pruned.model.graph).length, 6 + 2);
 * ```
 */
export function pruneStructured(
  model: Model,
  options: PruneStructuredOptions,
): PruneStructuredResult {
  const { config, plan } = options;
  checkStructuredPlan(config, plan);
  const ctx = new RewriteContext(model, { copy: true });
  const linears = linearsByStateDictName(ctx.graph);
  const bounds = plan.layers.map((layer, i) => layer ? undefined : layerBounds(ctx, linears, i));
  const removed = { layers: 0, heads: 0, ffnUnits: 0 };
  plan.layers.forEach((layer, i) => {
    if (!layer) return;
    const sizes = layerSizes(config, i);
    removed.heads += sizes.nHeads - layer.headsKeep.length;
    removed.ffnUnits += sizes.hiddenDim - layer.ffnKeep.length;
    pruneLayer(ctx, linears, { config, i, keep: layer });
  });
  for (let i = plan.layers.length - 1; i >= 0; i--) {
    const b = bounds[i];
    if (!b) continue;
    ctx.rewire(b.output, b.input);
    removed.layers++;
  }
  removeDeadNodes(ctx.graph);
  renumberLayers(ctx.graph, plan);
  ctx.graph.valueInfo = []; // shapes changed; ORT infers them again
  const pruned = prunedConfig(config, plan);
  if (ctx.model.metadata.config !== undefined) {
    ctx.model.metadata = {
      ...ctx.model.metadata,
      config: JSON.stringify(toHubConfigJson(pruned)),
    };
  }
  const passes = options.passes ?? DEFAULT_PASSES;
  const out = passes === false ? ctx.model : fuse(ctx.model, { passes }).model;
  return { model: out, config: pruned, removed };
}

/**
 * Refuses, before any work, a plan that does not fit `config`: one entry per layer, kept indices
 * ascending, distinct and in range, at least one head and one FFN unit in every kept layer (to
 * drop them all, remove the layer with `null`), at least one layer kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/mod.ts";
 * import { checkStructuredPlan } from "./structured.ts";
 * import { StructuredPlanError } from "./mask.ts";
 * const config = { ...DISTILBERT_BASE, nLayers: 1 };
 * assert.throws(() => checkStructuredPlan(config, { layers: [{ ffnKeep: [0], headsKeep: [] }] }), StructuredPlanError);
 * checkStructuredPlan(config, { layers: [{ ffnKeep: [0, 7], headsKeep: [11] }] });
 * ```
 */
export function checkStructuredPlan(config: DistilBertConfig, plan: StructuredPlan): void {
  if (plan.layers.length !== config.nLayers) {
    throw new StructuredPlanError(
      `The plan has ${plan.layers.length} layers but the model has ${config.nLayers}; give one ` +
        `entry per layer (null removes a layer).`,
    );
  }
  if (plan.layers.every((l) => l === null)) {
    throw new StructuredPlanError(
      `The plan removes all ${config.nLayers} layers; keep at least one.`,
    );
  }
  plan.layers.forEach((layer, i) => {
    if (!layer) return;
    const sizes = layerSizes(config, i);
    checkIndices(layer.headsKeep, sizes.nHeads, `layer ${i}: headsKeep`, "head");
    checkIndices(layer.ffnKeep, sizes.hiddenDim, `layer ${i}: ffnKeep`, "FFN unit");
  });
}

function checkIndices(keep: readonly number[], n: number, what: string, unit: string): void {
  if (keep.length === 0) {
    throw new StructuredPlanError(
      `${what} is empty: pruning every ${unit} of a layer is refused; keep at least one, or ` +
        `remove the whole layer (null in plan.layers).`,
    );
  }
  keep.forEach((k, j) => {
    if (!Number.isInteger(k) || k < 0 || k >= n || (j > 0 && k <= keep[j - 1])) {
      throw new StructuredPlanError(
        `${what} must be distinct ascending integers in 0…${n - 1}; got ${k} at position ${j}.`,
      );
    }
  });
}

/**
 * The config of the model `plan` leaves: the kept layers, each with its own heads and FFN units.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/mod.ts";
 * import { prunedConfig } from "./structured.ts";
 * const config = { ...DISTILBERT_BASE, nLayers: 2 };
 * const pruned = prunedConfig(config, { layers: [null, { ffnKeep: [1, 2], headsKeep: [0, 5, 6] }] });
 * assert.deepEqual([pruned.nLayers, pruned.nHeads, pruned.layers], [1, 12, [{ nHeads: 3, hiddenDim: 2 }]]);
 * ```
 */
export function prunedConfig(config: DistilBertConfig, plan: StructuredPlan): DistilBertConfig {
  const kept = plan.layers.filter((l) => l !== null);
  return {
    ...config,
    nLayers: kept.length,
    layers: kept.map((l) => ({ nHeads: l.headsKeep.length, hiddenDim: l.ffnKeep.length })),
  };
}

/**
 * The same pruning on state-dict weights (PyTorch layouts): the kept layers renumbered, their
 * heads' rows of `q/k/v_lin` and columns of `out_lin`, their FFN units' rows of `lin1` and
 * columns of `lin2`. `buildDistilBertGraph(result.config, result.weights)` writes the smaller model
 * through the kit's exporter — the same model {@link pruneStructured} cuts out of a graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { pruneStateDict } from "./structured.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const plan = { layers: [null, { ffnKeep: [0, 3, 5], headsKeep: [1] }] };
 * const { weights } = pruneStateDict(config, randomDistilBertWeights(config, { seed: 1 }), plan);
 * assert.deepEqual(weights.get("distilbert.transformer.layer.0.attention.out_lin.weight")?.shape, [8, 4]);
 * assert.equal(weights.has("distilbert.transformer.layer.1.ffn.lin1.weight"), false);
 * ```
 */
export function pruneStateDict(
  config: DistilBertConfig,
  weights: WeightMap,
  plan: StructuredPlan,
): { config: DistilBertConfig; weights: WeightMap } {
  checkStructuredPlan(config, plan);
  const headDim = config.dim / config.nHeads;
  const out: WeightMap = new Map();
  const layer = /^distilbert\.transformer\.layer\.(\d+)\.(.*)$/;
  let next = 0;
  const newIndex = plan.layers.map((l) => (l ? next++ : -1));
  for (const [name, tensor] of weights) {
    const m = name.match(layer);
    if (!m) {
      out.set(name, tensor);
      continue;
    }
    const i = Number(m[1]);
    const keep = plan.layers[i];
    if (!keep) continue;
    const heads = keep.headsKeep.flatMap((h) =>
      Array.from({ length: headDim }, (_, j) => h * headDim + j)
    );
    const rest = m[2];
    const rows = /^attention\.[qkv]_lin\./.test(rest)
      ? heads
      : rest.startsWith("ffn.lin1.")
      ? keep.ffnKeep
      : undefined;
    const cols = rest === "attention.out_lin.weight"
      ? heads
      : rest === "ffn.lin2.weight"
      ? keep.ffnKeep
      : undefined;
    out.set(`distilbert.transformer.layer.${newIndex[i]}.${rest}`, select(tensor, rows, cols));
  }
  return { config: prunedConfig(config, plan), weights: out };
}

/** Rows `rows` (of a 1-D or 2-D tensor) and columns `cols` (of a 2-D one) of `t`. */
function select(
  t: { shape: number[]; data: Float32Array },
  rows?: number[],
  cols?: number[],
): { shape: number[]; data: Float32Array } {
  if (!rows && !cols) return t;
  const [r, c = 1] = t.shape;
  const rs = rows ?? Array.from({ length: r }, (_, i) => i);
  const cs = cols ?? Array.from({ length: c }, (_, i) => i);
  const data = new Float32Array(rs.length * cs.length);
  rs.forEach((row, i) => cs.forEach((col, j) => (data[i * cs.length + j] = t.data[row * c + col])));
  return { shape: t.shape.length === 1 ? [rs.length] : [rs.length, cs.length], data };
}

/** Fractions of each layer's groups to remove, for {@link planByMagnitude}. */
export interface MagnitudePlanOptions {
  /** Fraction of FFN units removed in every layer, in [0, 1). */
  ffn: number;
  /** Fraction of attention heads removed in every layer, in [0, 1). */
  heads: number;
}

/**
 * A plan that removes, in every layer, the FFN units and heads of smallest L2 norm: a unit's norm
 * over its row of `ffn.lin1` and column of `ffn.lin2`, a head's over its rows of `q/k/v_lin` and
 * columns of `out_lin`. `round(fraction × n)` groups go (at least one stays). `weights` are
 * state-dict weights (`randomDistilBertWeights`, a checkpoint, or `linearWeights(model)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { planByMagnitude } from "./structured.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 2, nHeads: 4, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const plan = planByMagnitude(config, randomDistilBertWeights(config, { seed: 1 }), { ffn: 0.5, heads: 0.25 });
 * assert.deepEqual(plan.layers.map((l) => [l!.ffnKeep.length, l!.headsKeep.length]), [[8, 3], [8, 3]]);
 * ```
 */
export function planByMagnitude(
  config: DistilBertConfig,
  weights: WeightMap,
  options: MagnitudePlanOptions,
): StructuredPlan {
  for (const [key, f] of Object.entries(options)) {
    if (!(f >= 0 && f < 1)) {
      throw new StructuredPlanError(
        `planByMagnitude: ${key} fraction ${f} is outside [0, 1); give the share of groups removed.`,
      );
    }
  }
  const headDim = config.dim / config.nHeads;
  const layers = Array.from({ length: config.nLayers }, (_, i) => {
    const p = `distilbert.transformer.layer.${i}`;
    const w = (name: string) => {
      const t = weights.get(`${p}.${name}.weight`);
      if (!t) {
        throw new StructuredPlanError(
          `planByMagnitude: weight "${p}.${name}.weight" is missing; pass DistilBERT state-dict ` +
            `weights of this config.`,
        );
      }
      return t;
    };
    const sizes = layerSizes(config, i);
    const ffnScores = groupNorms(sizes.hiddenDim, 1, [w("ffn.lin1")], [w("ffn.lin2")]);
    const qkv = ["q_lin", "k_lin", "v_lin"].map((n) => w(`attention.${n}`));
    const headScores = groupNorms(sizes.nHeads, headDim, qkv, [w("attention.out_lin")]);
    return {
      ffnKeep: keepLargest(ffnScores, options.ffn),
      headsKeep: keepLargest(headScores, options.heads),
    };
  });
  return { layers };
}

/** Sum of squares per group of `width` rows of `rowMats` and columns of `colMats` ([out, in]). */
function groupNorms(
  groups: number,
  width: number,
  rowMats: { shape: number[]; data: Float32Array }[],
  colMats: { shape: number[]; data: Float32Array }[],
): Float64Array {
  const scores = new Float64Array(groups);
  for (const { shape: [rows, cols], data } of rowMats) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += data[r * cols + c] ** 2;
      scores[Math.floor(r / width)] += s;
    }
  }
  for (const { shape: [rows, cols], data } of colMats) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) scores[Math.floor(c / width)] += data[r * cols + c] ** 2;
    }
  }
  return scores;
}

/** Indices (ascending) of the groups kept when `fraction` of them, the smallest, go. */
function keepLargest(scores: Float64Array, fraction: number): number[] {
  const n = scores.length;
  const remove = Math.min(n - 1, Math.round(fraction * n));
  const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, n - remove).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Rewriting one layer

interface LayerJob {
  config: DistilBertConfig;
  i: number;
  keep: { ffnKeep: number[]; headsKeep: number[] };
}

function pruneLayer(ctx: RewriteContext, linears: Map<string, Linear>, job: LayerJob): void {
  const { config, i, keep } = job;
  const get = (name: string) => layerLinear(linears, i, name);
  const sizes = layerSizes(config, i);
  if (keep.headsKeep.length < sizes.nHeads) {
    const headDim = config.dim / config.nHeads;
    const cols = keep.headsKeep.flatMap((h) =>
      Array.from({ length: headDim }, (_, j) => h * headDim + j)
    );
    for (const name of ["attention.q_lin", "attention.k_lin", "attention.v_lin"]) {
      const linear = get(name);
      keepOutputs(ctx, linear, cols);
      setShapeEntry(ctx, headReshape(ctx, linear), {
        rank: 4,
        axis: 2,
        from: sizes.nHeads,
        to: keep.headsKeep.length,
      });
    }
    const out = get("attention.out_lin");
    keepInputs(ctx, out, cols);
    setShapeEntry(ctx, mergeReshape(ctx, out), {
      rank: 3,
      axis: 2,
      from: sizes.nHeads * headDim,
      to: cols.length,
    });
  }
  if (keep.ffnKeep.length < sizes.hiddenDim) {
    keepOutputs(ctx, get("ffn.lin1"), keep.ffnKeep);
    keepInputs(ctx, get("ffn.lin2"), keep.ffnKeep);
  }
}

function layerLinear(linears: Map<string, Linear>, i: number, name: string): Linear {
  const full = `distilbert.transformer.layer.${i}.${name}`;
  const linear = linears.get(full);
  if (!linear) {
    throw new StructuredPruneError(
      `No Linear "${full}" in the graph; structured pruning needs an unfused DistilBERT export ` +
        `(prune first, then fuse or quantize).`,
    );
  }
  return linear;
}

/** Keeps output features `keep` of a Linear (weight columns, or rows when transposed; bias). */
function keepOutputs(ctx: RewriteContext, linear: Linear, keep: number[]): void {
  const { inFeatures: n, outFeatures: m } = linear;
  const w = tensorToFloat32(linear.weight);
  const k = keep.length;
  const data = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      data[linear.transposed ? j * n + i : i * k + j] = w[
        linear.transposed ? keep[j] * n + i : i * m + keep[j]
      ];
    }
  }
  const dims = linear.transposed ? [k, n] : [n, k];
  replaceFloat(ctx, linear.weightName, dims, data);
  if (linear.bias) {
    replaceFloat(ctx, linear.bias.value, [k], Float32Array.from(keep, (j) => linear.bias!.data[j]));
  }
}

/** Keeps input features `keep` of a Linear (weight rows, or columns when transposed). */
function keepInputs(ctx: RewriteContext, linear: Linear, keep: number[]): void {
  const { inFeatures: n, outFeatures: m } = linear;
  const w = tensorToFloat32(linear.weight);
  const k = keep.length;
  const data = new Float32Array(k * m);
  for (let j = 0; j < k; j++) {
    for (let o = 0; o < m; o++) {
      data[linear.transposed ? o * k + j : j * m + o] = w[
        linear.transposed ? o * n + keep[j] : keep[j] * m + o
      ];
    }
  }
  replaceFloat(ctx, linear.weightName, linear.transposed ? [m, k] : [k, m], data);
}

function replaceFloat(ctx: RewriteContext, name: string, dims: number[], data: Float32Array) {
  if (!ctx.graph.initializers.some((t) => t.name === name)) {
    throw new StructuredPruneError(
      `"${name}" is not an initializer (a Constant node?); fold constants into initializers ` +
        `before structured pruning.`,
    );
  }
  ctx.replaceInitializer(name, { dataType: DataType.FLOAT, dims, data });
}

// ---------------------------------------------------------------------------------------------
// Head-count reshapes

/** The `Reshape` that splits a q/k/v projection into heads (`[b, s, heads, headDim]`). */
function headReshape(ctx: RewriteContext, linear: Linear): Node {
  const reshape = ctx.index.consumers(linear.output).find((n) =>
    n.opType === "Reshape" && n.inputs[0] === linear.output
  );
  if (!reshape) throw reshapeMissing(linear, "reads");
  return reshape;
}

/** The `Reshape` that merges the heads back (`[b, s, heads × headDim]`) before `out_lin`. */
function mergeReshape(ctx: RewriteContext, linear: Linear): Node {
  const reshape = ctx.index.producer(linear.input);
  if (reshape?.opType !== "Reshape") throw reshapeMissing(linear, "feeds");
  return reshape;
}

function reshapeMissing(linear: Linear, how: string): StructuredPruneError {
  return new StructuredPruneError(
    `No Reshape ${how} "${linear.node.name}": this attention is not DistilBERT's export; rebuild ` +
      `the pruned model with buildDistilBertGraph(prunedConfig(config, plan), weights) instead.`,
  );
}

interface ShapeEdit {
  rank: number;
  axis: number;
  from: number;
  to: number;
}

/**
 * Sets entry `axis` of a Reshape's target shape from `from` to `to`: a constant shape (the kit's
 * exports) gets a new initializer; a `Concat` of scalars (torch's `view(bs, -1, heads, d)`) gets a
 * new constant for that one input.
 */
function setShapeEntry(ctx: RewriteContext, reshape: Node, edit: ShapeEdit): void {
  const shape = reshape.inputs[1];
  const whole = ctx.constant(shape);
  if (whole?.dims.length === 1 && whole.dims[0] === edit.rank) {
    const values = Array.from(whole.data as BigInt64Array, Number);
    if (values[edit.axis] === edit.from) {
      values[edit.axis] = edit.to;
      reshape.inputs[1] = ctx.addInitializer(`${reshape.name}/pruned_shape`, DataType.INT64, [
        edit.rank,
      ], values.map(BigInt));
      return;
    }
  }
  const concat = ctx.index.producer(shape);
  if (concat?.opType === "Concat" && concat.inputs.length === edit.rank) {
    const part = ctx.constant(concat.inputs[edit.axis]);
    if (part && part.data.length === 1 && Number(part.data[0]) === edit.from) {
      concat.inputs[edit.axis] = ctx.addInitializer(
        `${concat.name}/pruned_dim`,
        part.dataType,
        part.dims,
        part.dataType === DataType.INT64 ? [BigInt(edit.to)] : [edit.to],
      );
      return;
    }
  }
  throw new StructuredPruneError(
    `Reshape "${reshape.name}": found no ${edit.from} at position ${edit.axis} of its target ` +
      `shape to change to ${edit.to}; rebuild the pruned model with ` +
      `buildDistilBertGraph(prunedConfig(config, plan), weights) instead.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Whole layers

/**
 * The value a layer reads (its q_lin's input) and the one it hands on: the next layer's q_lin
 * input, or for the last layer the one value its nodes (named `/distilbert/transformer/layer.i/…`)
 * hand to nodes outside every layer. Values a layer shares with later ones (torch exports compute
 * the attention mask once, in layer 0) stay: only what nothing reads any more is removed.
 */
function layerBounds(
  ctx: RewriteContext,
  linears: Map<string, Linear>,
  i: number,
): { input: string; output: string } {
  const input = layerLinear(linears, i, "attention.q_lin").input;
  const next = linears.get(`distilbert.transformer.layer.${i + 1}.attention.q_lin`);
  if (next) return { input, output: next.input };
  const scope = `/distilbert/transformer/layer.${i}/`;
  const outside = (n: Node) => !n.name.startsWith("/distilbert/transformer/layer.");
  const outputs = new Set<string>();
  for (const node of ctx.graph.nodes) {
    if (!node.name.startsWith(scope)) continue;
    for (const out of node.outputs) {
      if (ctx.index.isGraphOutput(out) || ctx.index.consumers(out).some(outside)) outputs.add(out);
    }
  }
  if (outputs.size !== 1) {
    throw new StructuredPruneError(
      `Layer ${i}: expected one value leaving the nodes named "${scope}…", found ` +
        `${outputs.size}; only DistilBERT exports with scoped node names can lose whole layers.`,
    );
  }
  return { input, output: [...outputs][0] };
}

/**
 * Renames layer indices (`layer.3` → `layer.2`) in names, after layers were removed; what is
 * left of a removed layer (values later layers share) becomes `removed_layer.i`.
 */
function renumberLayers(graph: Graph, plan: StructuredPlan): void {
  const index = new Map<number, number>();
  let next = 0;
  plan.layers.forEach((l, i) => {
    if (l) index.set(i, next++);
  });
  if ([...index].every(([a, b]) => a === b)) return;
  const rename = (s: string) =>
    s.replace(
      /(distilbert\.transformer\.layer\.|\/distilbert\/transformer\/layer\.)(\d+)(?=[./])/g,
      (_, prefix: string, d: string) =>
        index.has(Number(d))
          ? `${prefix}${index.get(Number(d))}`
          : `${prefix.slice(0, -"layer.".length)}removed_layer.${d}`,
    );
  for (const node of graph.nodes) {
    node.name = rename(node.name);
    node.inputs = node.inputs.map(rename);
    node.outputs = node.outputs.map(rename);
  }
  graph.initializers = graph.initializers.map((t) => ({ ...t, name: rename(t.name) }));
}
