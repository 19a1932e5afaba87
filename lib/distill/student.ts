/**
 * Student builders: a smaller DistilBERT initialised from the teacher's weights, as DistilBERT was
 * made from BERT — fewer layers (every other teacher layer, renumbered) and/or a narrower FFN
 * (a subset of each layer's intermediate units). Both work on state-dict {@link WeightMap}s and
 * return a new config and map; the teacher's map is not changed.
 *
 * @module
 */
import type { DistilBertConfig } from "../model/config.ts";
import { distilBertWeightShapes } from "../model/distilbert_graph.ts";
import type { WeightMap, WeightTensor } from "../model/weights.ts";

/** A student: architecture plus initial weights. */
export interface StudentModel {
  config: DistilBertConfig;
  weights: WeightMap;
  /** Teacher layer of each student layer (student layer j = teacher layer `layers[j]`). */
  layers: number[];
  /** FFN units kept per student layer (indices into the teacher's), when narrowed. */
  ffnUnits?: number[][];
}

/** A student cannot be built as asked; the message names the layer or weight. */
export class StudentBuildError extends Error {
  override name = "StudentBuildError";
}

const LAYER_PREFIX = "distilbert.transformer.layer.";

/**
 * Teacher layers 0, 2, 4, … (every other one, `ceil(n / 2)` layers): DistilBERT's initialisation
 * from BERT.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { everyOtherLayer } from "./student.ts";
 * assert.deepEqual(everyOtherLayer(6), [0, 2, 4]);
 * assert.deepEqual(everyOtherLayer(4), [0, 2]);
 * ```
 */
export function everyOtherLayer(teacherLayers: number): number[] {
  return Array.from({ length: Math.ceil(teacherLayers / 2) }, (_, j) => 2 * j);
}

/**
 * A student with the teacher's layers `layers` (in that order) renamed to 0, 1, 2, …; embeddings
 * and the classification head are copied. Throws {@link StudentBuildError} for a layer the
 * teacher lacks or a missing weight.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { selectLayers } from "./student.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 4, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const teacher = randomDistilBertWeights(config, { seed: 1 });
 * const student = selectLayers(config, teacher, [0, 2]);
 * assert.equal(student.config.nLayers, 2);
 * assert.deepEqual(
 *   student.weights.get("distilbert.transformer.layer.1.ffn.lin1.weight"),
 *   teacher.get("distilbert.transformer.layer.2.ffn.lin1.weight"),
 * );
 * ```
 */
export function selectLayers(
  config: DistilBertConfig,
  weights: WeightMap,
  layers: readonly number[],
): StudentModel {
  if (layers.length === 0) throw new StudentBuildError("A student needs at least one layer.");
  for (const layer of layers) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= config.nLayers) {
      throw new StudentBuildError(
        `Teacher layer ${layer} does not exist: the teacher has layers 0…${config.nLayers - 1}.`,
      );
    }
  }
  const student = { ...config, nLayers: layers.length };
  const out: WeightMap = new Map();
  for (const name of distilBertWeightShapes(student).keys()) {
    out.set(name, copy(requireWeight(weights, teacherName(name, layers))));
  }
  return { config: student, weights: out, layers: [...layers] };
}

/** How {@link narrowFfn} picks the FFN units it keeps. */
export type FfnSelection = "first" | "norm";

/** Options of {@link narrowFfn}. */
export interface NarrowFfnOptions {
  /** FFN inner size of the student (`hidden_dim`), 1 … the teacher's. */
  hiddenDim: number;
  /**
   * `"first"`: units 0 … k−1. `"norm"` (default): the k units with the largest
   * `‖lin1.weight[i, :]‖₂ · ‖lin2.weight[:, i]‖₂` — how strongly unit i can read from and write
   * to the residual stream — chosen per layer and kept in their original order.
   */
  select?: FfnSelection;
}

/**
 * A student whose FFNs keep `hiddenDim` of the teacher's intermediate units: rows of
 * `lin1.weight` and `lin1.bias`, the matching columns of `lin2.weight` (`lin2.bias` is kept).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { narrowFfn } from "./student.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 4, nLayers: 1, nHeads: 2, hiddenDim: 8, maxPositionEmbeddings: 8 };
 * const teacher = randomDistilBertWeights(config, { seed: 1 });
 * const student = narrowFfn(config, teacher, { hiddenDim: 2, select: "first" });
 * assert.deepEqual(student.weights.get("distilbert.transformer.layer.0.ffn.lin1.weight")!.shape, [2, 4]);
 * assert.deepEqual(student.ffnUnits, [[0, 1]]);
 * ```
 */
export function narrowFfn(
  config: DistilBertConfig,
  weights: WeightMap,
  options: NarrowFfnOptions,
): StudentModel {
  const k = options.hiddenDim;
  if (!Number.isInteger(k) || k < 1 || k > config.hiddenDim) {
    throw new StudentBuildError(
      `FFN size ${k} must be an integer in 1…${config.hiddenDim} (the teacher's hidden_dim).`,
    );
  }
  const select = options.select ?? "norm";
  const student = { ...config, hiddenDim: k };
  const out: WeightMap = new Map();
  for (const name of distilBertWeightShapes(config).keys()) {
    out.set(name, copy(requireWeight(weights, name)));
  }
  const ffnUnits: number[][] = [];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `${LAYER_PREFIX}${i}.ffn`;
    const lin1 = requireWeight(weights, `${p}.lin1.weight`);
    const lin2 = requireWeight(weights, `${p}.lin2.weight`);
    const units = select === "first"
      ? Array.from({ length: k }, (_, u) => u)
      : topUnits(ffnUnitNorms(lin1, lin2, config), k);
    ffnUnits.push(units);
    out.set(`${p}.lin1.weight`, pickRows(lin1, units));
    out.set(`${p}.lin1.bias`, pickRows(requireWeight(weights, `${p}.lin1.bias`), units));
    out.set(`${p}.lin2.weight`, pickColumns(lin2, units));
  }
  return {
    config: student,
    weights: out,
    layers: Array.from({ length: config.nLayers }, (_, i) => i),
    ffnUnits,
  };
}

/** Options of {@link buildStudent}. */
export interface BuildStudentOptions {
  /** Teacher layers to keep (default {@link everyOtherLayer}); all layers: `[0, 1, …]`. */
  layers?: readonly number[];
  /** Narrow the FFN to this size (default: keep the teacher's). */
  hiddenDim?: number;
  /** How to pick FFN units (default `"norm"`). */
  ffnSelect?: FfnSelection;
}

/**
 * The student the workshop distils into: {@link selectLayers} then, if `hiddenDim` is set,
 * {@link narrowFfn}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { buildStudent } from "./student.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 4, nLayers: 4, nHeads: 2, hiddenDim: 8, maxPositionEmbeddings: 8 };
 * const student = buildStudent(config, randomDistilBertWeights(config, { seed: 1 }), { hiddenDim: 4 });
 * assert.deepEqual([student.config.nLayers, student.config.hiddenDim], [2, 4]);
 * assert.deepEqual(student.layers, [0, 2]);
 * ```
 */
export function buildStudent(
  config: DistilBertConfig,
  weights: WeightMap,
  options: BuildStudentOptions = {},
): StudentModel {
  const layers = options.layers ?? everyOtherLayer(config.nLayers);
  const shallow = selectLayers(config, weights, layers);
  if (options.hiddenDim === undefined || options.hiddenDim === config.hiddenDim) return shallow;
  const narrow = narrowFfn(shallow.config, shallow.weights, {
    hiddenDim: options.hiddenDim,
    select: options.ffnSelect,
  });
  return { ...narrow, layers: shallow.layers };
}

/**
 * Per-unit importance of an FFN: `‖lin1.weight[i, :]‖₂ · ‖lin2.weight[:, i]‖₂`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/mod.ts";
 * import { ffnUnitNorms } from "./student.ts";
 * const config = { ...DISTILBERT_BASE, dim: 2, hiddenDim: 2 };
 * const lin1 = { shape: [2, 2], data: new Float32Array([3, 4, 0, 1]) }; // rows: 5, 1
 * const lin2 = { shape: [2, 2], data: new Float32Array([1, 2, 0, 0]) }; // columns: 1, 2
 * assert.deepEqual(ffnUnitNorms(lin1, lin2, config), [5, 2]);
 * ```
 */
export function ffnUnitNorms(
  lin1: WeightTensor,
  lin2: WeightTensor,
  config: DistilBertConfig,
): number[] {
  const { dim, hiddenDim } = config;
  const norms: number[] = [];
  for (let u = 0; u < hiddenDim; u++) {
    let inSq = 0;
    for (let c = 0; c < dim; c++) inSq += lin1.data[u * dim + c] ** 2;
    let outSq = 0;
    for (let r = 0; r < dim; r++) outSq += lin2.data[r * hiddenDim + u] ** 2;
    norms.push(Math.sqrt(inSq) * Math.sqrt(outSq));
  }
  return norms;
}

function topUnits(scores: number[], k: number): number[] {
  return scores.map((s, i) => [s, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
}

function teacherName(name: string, layers: readonly number[]): string {
  if (!name.startsWith(LAYER_PREFIX)) return name;
  const rest = name.slice(LAYER_PREFIX.length);
  const dot = rest.indexOf(".");
  return `${LAYER_PREFIX}${layers[Number(rest.slice(0, dot))]}${rest.slice(dot)}`;
}

function requireWeight(weights: WeightMap, name: string): WeightTensor {
  const tensor = weights.get(name);
  if (!tensor) {
    throw new StudentBuildError(
      `The teacher's weight map has no "${name}"; pass the teacher's full state dict ` +
        `(loadDistilBertWeights) with its own config.`,
    );
  }
  return tensor;
}

function copy(tensor: WeightTensor): WeightTensor {
  return { shape: [...tensor.shape], data: Float32Array.from(tensor.data) };
}

/** Rows `units` of a `[rows, cols]` (or `[rows]`) tensor. */
function pickRows(tensor: WeightTensor, units: readonly number[]): WeightTensor {
  const cols = tensor.shape.length === 2 ? tensor.shape[1] : 1;
  const data = new Float32Array(units.length * cols);
  units.forEach((u, r) => data.set(tensor.data.subarray(u * cols, (u + 1) * cols), r * cols));
  return { shape: tensor.shape.length === 2 ? [units.length, cols] : [units.length], data };
}

/** Columns `units` of a `[rows, cols]` tensor. */
function pickColumns(tensor: WeightTensor, units: readonly number[]): WeightTensor {
  const [rows, cols] = tensor.shape;
  const data = new Float32Array(rows * units.length);
  for (let r = 0; r < rows; r++) {
    units.forEach((u, c) => data[r * units.length + c] = tensor.data[r * cols + u]);
  }
  return { shape: [rows, units.length], data };
}
