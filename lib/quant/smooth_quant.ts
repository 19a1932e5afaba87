/**
 * SmoothQuant (Xiao et al., 2023, "SmoothQuant: Accurate and Efficient Post-Training Quantization
 * for Large Language Models"): a few input channels of a linear layer carry activations far larger
 * than the rest, so one per-tensor activation scale wastes its levels on them. Per input channel
 * j, `s_j = max|X_j|^α / max|W_j|^(1−α)` (from calibration statistics; W_j the weight rows of
 * every Linear reading that input): the activations are divided by s and the weight rows
 * multiplied by s, which leaves the FP32 function unchanged and moves the difficulty from the
 * activations to the weights (which have per-channel scales). The division is folded into what
 * produces the input when it can be: a LayerNorm's γ and β (when the Linears are its only
 * readers, possibly through a `Gather` such as BERT's [CLS] row), or the preceding Linear's
 * output columns (`v_lin` → `out_lin`: attention mixes values linearly); else an explicit `Mul`.
 *
 * @module
 */

import {
  DataType,
  findLinears,
  type Linear,
  type Model,
  type Node,
  RewriteContext,
  tensorToFloat32,
} from "../onnx/mod.ts";
import type { LinearInputStats } from "./linear_inputs.ts";

/** Options of {@link smoothQuant}. */
export interface SmoothQuantOptions {
  /** Per-channel statistics of the Linear inputs (`collectLinearInputs`). */
  stats: ReadonlyMap<string, LinearInputStats>;
  /** Migration strength α in [0, 1] (default 0.5). */
  alpha?: number;
  /** α per group, by the state-dict name of the group's first Linear (wins over `alpha`). */
  alphas?: Readonly<Record<string, number>>;
  /** Smooth only the groups whose first Linear has one of these names (default all). */
  only?: readonly string[];
  /**
   * The preceding Linear to fold into, by Linear name (default: `….attention.out_lin` →
   * `….attention.v_lin`, DistilBERT's and BERT's value projection).
   */
  foldInto?: (linear: string) => string | undefined;
  /** Smooth groups with no fold target with an explicit `Mul` (default false: skip them). */
  explicitMul?: boolean;
}

/** What was done to one group of Linears sharing an input. */
export interface SmoothedGroup {
  /** State-dict names (or node names) of the Linears. */
  linears: string[];
  input: string;
  alpha: number;
  /** Where 1/s went: `"layer-norm"`, `"linear"` (a preceding Linear) or `"mul"`. */
  folded: "layer-norm" | "linear" | "mul";
  /** max|X| over channels before and after smoothing. */
  inputAbsMax: { before: number; after: number };
  scales: Float32Array;
}

/** The smoothed model and its groups. */
export interface SmoothQuantResult {
  model: Model;
  groups: SmoothedGroup[];
}

/** The default fold target: `X.attention.out_lin` → `X.attention.v_lin`. */
export function defaultFoldInto(linear: string): string | undefined {
  return linear.endsWith("attention.out_lin") ? linear.replace(/out_lin$/, "v_lin") : undefined;
}

/**
 * Smooths `model` (a copy; tensor data is never written in place).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { smoothQuant } from "./smooth_quant.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const w = b.initializer("fc.weight", DataType.FLOAT, [2, 1], [1, 1]);
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 1], { rename: "y" });
 * const stats = new Map([["x", { channels: 2, absMax: Float32Array.from([16, 1]), rows: 1 }]]);
 * const { model, groups } = smoothQuant(createModel(b.build()), { stats, explicitMul: true });
 * assert.deepEqual([...groups[0].scales], [4, 1]); // √16 / √1, √1 / √1
 * assert.equal(groups[0].folded, "mul");
 * assert.deepEqual([...model.graph.initializers.find((t) => t.name === "fc.weight")!.data], [4, 1]);
 * ```
 */
export function smoothQuant(model: Model, options: SmoothQuantOptions): SmoothQuantResult {
  const ctx = new RewriteContext(model, { copy: true });
  const linears = findLinears(ctx.graph);
  const byName = new Map(linears.filter((l) => l.name).map((l) => [l.name!, l]));
  const groups = new Map<string, Linear[]>();
  for (const l of linears) groups.set(l.input, [...(groups.get(l.input) ?? []), l]);
  const foldInto = options.foldInto ?? defaultFoldInto;
  const done: SmoothedGroup[] = [];
  for (const [input, group] of groups) {
    const key = group[0].name ?? group[0].node.name;
    if (options.only && !options.only.includes(key)) continue;
    const stats = options.stats.get(input);
    if (!stats) continue;
    const readers = ctx.index.consumers(input);
    const onlyLinears = readers.every((n) => group.some((l) => l.node === n));
    const preceding = group.length === 1 ? byName.get(foldInto(key) ?? "") : undefined;
    const norm = onlyLinears && !ctx.index.isGraphOutput(input)
      ? layerNormAffine(ctx, input)
      : undefined;
    const folded = norm ? "layer-norm" : preceding ? "linear" : "mul";
    if (folded === "mul" && !options.explicitMul) continue;
    const alpha = options.alphas?.[key] ?? options.alpha ?? 0.5;
    const s = smoothingScales(stats.absMax, group, alpha);
    for (const l of group) scaleWeightRows(ctx, l, s);
    if (norm) {
      divideEntries(ctx, norm.gamma, s);
      divideEntries(ctx, norm.beta, s);
    } else if (preceding) {
      divideOutputs(ctx, preceding, s);
    } else {
      const inverse = ctx.addInitializer(
        `${key}.smooth_scale`,
        DataType.FLOAT,
        [s.length],
        s.map((v) => 1 / v),
      );
      const [scaled] = ctx.createNode({
        opType: "Mul",
        inputs: [input, inverse],
        name: `${key}_smooth`,
      }).outputs;
      for (const l of group) l.node.inputs[0] = scaled;
    }
    let before = 0;
    let after = 0;
    stats.absMax.forEach((m, j) => {
      before = Math.max(before, m);
      after = Math.max(after, m / s[j]);
    });
    done.push({
      linears: group.map((l) => l.name ?? l.node.name),
      input,
      alpha,
      folded,
      inputAbsMax: { before, after },
      scales: s,
    });
  }
  ctx.sort();
  return { model: ctx.model, groups: done };
}

/**
 * `s_j = max|X_j|^α / max|W_j|^(1−α)` over the group's weight rows j (1 where a channel is dead).
 */
export function smoothingScales(
  absMax: Float32Array,
  group: readonly Pick<Linear, "weight" | "transposed">[],
  alpha: number,
): Float32Array {
  const k = absMax.length;
  const wMax = new Float32Array(k);
  for (const l of group) {
    const [rows, cols] = l.weight.dims;
    const w = tensorToFloat32(l.weight);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const j = l.transposed ? c : r;
        wMax[j] = Math.max(wMax[j], Math.abs(w[r * cols + c]));
      }
    }
  }
  return Float32Array.from(absMax, (x, j) => {
    if (!(x > 0) || !(wMax[j] > 0)) return 1;
    return Math.max(1e-5, Math.pow(x, alpha) / Math.pow(wMax[j], 1 - alpha));
  });
}

function scaleWeightRows(ctx: RewriteContext, l: Linear, s: Float32Array): void {
  const [rows, cols] = l.weight.dims;
  const data = Float32Array.from(tensorToFloat32(ctx.constant(l.weightName)!));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] *= l.transposed ? s[c] : s[r];
  }
  ctx.replaceInitializer(l.weightName, { ...l.weight, data });
}

/** Divides output feature j of a Linear (weight columns and bias) by s_j. */
function divideOutputs(ctx: RewriteContext, l: Linear, s: Float32Array): void {
  const w = ctx.constant(l.weightName)!;
  const [rows, cols] = w.dims;
  const data = Float32Array.from(tensorToFloat32(w));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] /= l.transposed ? s[r] : s[c];
  }
  ctx.replaceInitializer(l.weightName, { ...w, data });
  if (l.bias) divideEntries(ctx, l.bias.value, s);
}

function divideEntries(ctx: RewriteContext, name: string, s: Float32Array): void {
  const t = ctx.constant(name)!;
  const data = Float32Array.from(tensorToFloat32(t), (v, j) => v / s[j]);
  ctx.replaceInitializer(name, { ...t, data });
}

/**
 * The γ and β initializers of the LayerNorm whose output is `value` (fused `LayerNormalization`,
 * or the decomposed form ending `Add(Mul(·, γ), β)`), directly or through a `Gather` that keeps
 * the last axis and is its LayerNorm's only reader; each used by that LayerNorm alone.
 */
function layerNormAffine(
  ctx: RewriteContext,
  value: string,
): { gamma: string; beta: string } | undefined {
  let producer = ctx.index.producer(value);
  if (producer?.opType === "Gather" && producer.domain === "") {
    // A row pick such as BERT's [CLS]: a scalar constant index on axis 0 or 1 of a 3-D hidden
    // state keeps the channel axis last.
    const [data, indices] = producer.inputs;
    const axis = producer.attributes.axis;
    const index = ctx.constant(indices);
    const rowPick = axis?.type === "int" && (axis.value === 0 || axis.value === 1) &&
      index?.dims.length === 0;
    if (!rowPick || ctx.index.consumers(data).length !== 1 || ctx.index.isGraphOutput(data)) {
      return undefined;
    }
    producer = ctx.index.producer(data);
  }
  if (!producer || producer.domain !== "") return undefined;
  if (producer.opType === "LayerNormalization") {
    const [, gamma, beta] = producer.inputs;
    return beta && isOwnInitializer(ctx, gamma, producer) && isOwnInitializer(ctx, beta, producer)
      ? { gamma, beta }
      : undefined;
  }
  if (producer.opType !== "Add") return undefined;
  for (const [i, mulOut] of producer.inputs.entries()) {
    const beta = producer.inputs[1 - i];
    const mul = ctx.index.producer(mulOut);
    if (mul?.opType !== "Mul" || ctx.index.consumers(mulOut).length !== 1) continue;
    const gamma = mul.inputs.find((v) => ctx.index.initializer(v));
    if (!gamma || !isOwnInitializer(ctx, gamma, mul) || !isOwnInitializer(ctx, beta, producer)) {
      continue;
    }
    const dims = ctx.index.initializer(gamma)!.dims;
    if (dims.length === 1 && sameDims(dims, ctx.index.initializer(beta)!.dims)) {
      return { gamma, beta };
    }
  }
  return undefined;
}

function isOwnInitializer(ctx: RewriteContext, name: string, node: Node): boolean {
  const t = ctx.index.initializer(name);
  return !!t && t.dataType === DataType.FLOAT &&
    ctx.index.consumers(name).every((n) => n === node);
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
