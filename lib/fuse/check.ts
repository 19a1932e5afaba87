/**
 * Equality checks for fused graphs: run the graph before and after a pass in ONNX Runtime (with
 * ORT's own optimizations off, so only the kit's rewrite differs) on the same inputs, and compare
 * the outputs — and intermediate values both graphs still compute ("probes", e.g. every layer's
 * hidden state) — elementwise within a relative and absolute tolerance.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import {
  DataType,
  encodeModel,
  type Model,
  ShapeFacts,
  topologicalSort,
  type ValueInfo,
} from "../onnx/mod.ts";
import { boxMuller, xorshift32 } from "../random/mod.ts";
import { createSession, type GraphOptimizationLevel } from "../runtime/mod.ts";
import { FusionMismatchError } from "./errors.ts";

/** Options of {@link randomFeeds}. */
export interface RandomFeedsOptions {
  /** Size of symbolic first dims (default 2). */
  batch?: number;
  /** Size of other symbolic dims (default 16). */
  seq?: number;
  seed?: number;
  /** Token ids are drawn below this (default: rows of the embedding `input_ids` indexes). */
  vocabSize?: number;
  /** Pad the end of every row but the first (mask 0, token 0), to exercise masking (default true). */
  padding?: boolean;
}

/**
 * Deterministic random inputs for `model`: token ids and an attention mask (later rows padded)
 * for `input_ids`/`attention_mask`, zeros for `token_type_ids`, normal floats otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "./tiny_cnn.ts";
 * import { randomFeeds } from "./check.ts";
 * const feeds = randomFeeds(buildTinyCnn({ seed: 0 }), { batch: 3 });
 * assert.deepEqual(feeds.pixels.dims, [3, 3, 16, 16]);
 * ```
 */
export function randomFeeds(
  model: Model,
  options: RandomFeedsOptions = {},
): Record<string, ort.Tensor> {
  const batch = options.batch ?? 2;
  const seq = options.seq ?? 16;
  const random = xorshift32(options.seed ?? 1);
  const vocab = options.vocabSize ?? embeddingRows(model) ?? 1000;
  const initializers = new Set(model.graph.initializers.map((t) => t.name));
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of model.graph.inputs) {
    if (initializers.has(input.name)) continue;
    const dims = (input.shape ?? [batch, seq]).map((d, i) =>
      typeof d === "number" ? d : i === 0 ? batch : seq
    );
    const n = dims.reduce((a, b) => a * b, 1);
    if (input.elemType === DataType.INT64 || input.elemType === DataType.INT32) {
      const data = integerInput(input, dims, vocab, random, options.padding ?? true);
      feeds[input.name] = input.elemType === DataType.INT64
        ? new ort.Tensor("int64", data, dims)
        : new ort.Tensor("int32", Int32Array.from(data, Number), dims);
    } else if (input.elemType === DataType.FLOAT) {
      const data = Float32Array.from({ length: n }, () => boxMuller(random));
      feeds[input.name] = new ort.Tensor("float32", data, dims);
    } else {
      throw new FusionMismatchError(
        `Graph input "${input.name}" has a type randomFeeds cannot fill; pass feeds yourself.`,
      );
    }
  }
  return feeds;
}

function integerInput(
  input: ValueInfo,
  dims: number[],
  vocab: number,
  random: () => number,
  padding: boolean,
): BigInt64Array {
  const [rows, cols] = [dims[0], dims.slice(1).reduce((a, b) => a * b, 1)];
  const data = new BigInt64Array(rows * cols);
  const length = (r: number) =>
    padding ? Math.max(2, cols - Math.floor((r * cols) / (2 * rows))) : cols;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const inside = c < length(r);
      let v = 0;
      if (input.name === "attention_mask") v = inside ? 1 : 0;
      else if (input.name === "token_type_ids") v = 0;
      else if (inside) {
        v = c === 0 ? Math.min(101, vocab - 1) : 1 + Math.floor(random() * (vocab - 1));
      }
      data[r * cols + c] = BigInt(v);
    }
  }
  return data;
}

/** Rows of the initializer a `Gather` on `input_ids` reads (the vocabulary size). */
function embeddingRows(model: Model): number | undefined {
  const gather = model.graph.nodes.find((n) =>
    n.opType === "Gather" && n.inputs[1] === "input_ids"
  );
  return model.graph.initializers.find((t) => t.name === gather?.inputs[0])?.dims[0];
}

/** Options of {@link compareModels}. */
export interface CompareOptions extends RandomFeedsOptions {
  /** Inputs to run (default {@link randomFeeds} of the first model). */
  feeds?: Record<string, ort.Tensor>;
  /**
   * Intermediate values to compare besides the outputs: names, `"auto"` (default: up to
   * `maxProbes` float values both graphs compute, spread over the graph) or `"none"`.
   */
  probes?: readonly string[] | "auto" | "none";
  /** Most probes chosen by `"auto"` (default 24). */
  maxProbes?: number;
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** ORT optimization level of both runs (default `"disabled"`). */
  graphOptimizationLevel?: GraphOptimizationLevel;
  intraOpThreads?: number;
}

/** How one compared value differs. */
export interface ValueDiff {
  name: string;
  elements: number;
  maxAbsDiff: number;
  /** Largest `|a − b| / max(|b|, atol)`. */
  maxRelDiff: number;
  /** Elements outside `atol + rtol · |expected|`. */
  mismatches: number;
  /** The worst element: index, expected (first model) and actual (second model). */
  worst: { index: number; expected: number; actual: number };
}

/** The outcome of {@link compareModels}. */
export interface CompareResult {
  ok: boolean;
  /** Largest absolute difference over all compared values. */
  maxAbsDiff: number;
  values: ValueDiff[];
  rtol: number;
  atol: number;
}

/**
 * Runs `expected` and `actual` in ONNX Runtime on the same inputs and compares their outputs and
 * probes. ORT's own graph optimizations are off by default, so only the kit's rewrite differs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "./tiny_cnn.ts";
 * import { convBatchNorm } from "./passes/conv_batchnorm.ts";
 * import { compareModels } from "./check.ts";
 * const before = buildTinyCnn({ seed: 3 });
 * const result = await compareModels(before, convBatchNorm.run(before).model);
 * assert.equal(result.ok, true);
 * assert.ok(result.maxAbsDiff < 1e-4);
 * ```
 */
export async function compareModels(
  expected: Model,
  actual: Model,
  options: CompareOptions = {},
): Promise<CompareResult> {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  const feeds = options.feeds ?? randomFeeds(expected, options);
  const probes = chooseProbes(expected, actual, options);
  const outputs = [...expected.graph.outputs.map((o) => o.name), ...probes.map((p) => p.name)];
  const run = async (model: Model) => {
    const withProbes = {
      ...model,
      graph: { ...model.graph, outputs: [...model.graph.outputs, ...probes] },
    };
    const { session } = await createSession(encodeModel(withProbes), {
      graphOptimizationLevel: options.graphOptimizationLevel ?? "disabled",
      intraOpThreads: options.intraOpThreads,
    });
    try {
      const result = await session.run(feeds);
      return outputs.map((name) => result[name].data as Float32Array);
    } finally {
      await session.release();
    }
  };
  const a = await run(expected);
  const b = await run(actual);
  const values = outputs.map((name, i) => diff(name, a[i], b[i], rtol, atol));
  return {
    ok: values.every((v) => v.mismatches === 0),
    maxAbsDiff: Math.max(0, ...values.map((v) => v.maxAbsDiff)),
    values,
    rtol,
    atol,
  };
}

/**
 * {@link compareModels}, throwing {@link FusionMismatchError} naming the worst value when the
 * models disagree; returns the comparison otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "./tiny_cnn.ts";
 * import { assertSameOutputs } from "./check.ts";
 * const a = buildTinyCnn({ seed: 1 });
 * await assert.rejects(() => assertSameOutputs(a, buildTinyCnn({ seed: 2 })), /differs/);
 * ```
 */
export async function assertSameOutputs(
  expected: Model,
  actual: Model,
  options: CompareOptions = {},
): Promise<CompareResult> {
  const result = await compareModels(expected, actual, options);
  if (!result.ok) {
    const bad = result.values.filter((v) => v.mismatches > 0)
      .sort((x, y) => y.maxAbsDiff - x.maxAbsDiff)[0];
    throw new FusionMismatchError(
      `Value "${bad.name}" of graph "${actual.graph.name}" differs after fusion: ${bad.mismatches}` +
        ` of ${bad.elements} elements outside ${result.atol} + ${result.rtol}·|expected|; worst at ` +
        `${bad.worst.index}: expected ${bad.worst.expected}, got ${bad.worst.actual}. The pass ` +
        `that produced it matched a pattern it should not have; run the passes one by one to find it.`,
    );
  }
  return result;
}

function diff(
  name: string,
  a: Float32Array,
  b: Float32Array,
  rtol: number,
  atol: number,
): ValueDiff {
  if (a.length !== b.length) {
    return {
      name,
      elements: a.length,
      maxAbsDiff: Infinity,
      maxRelDiff: Infinity,
      mismatches: Math.max(a.length, b.length),
      worst: { index: -1, expected: NaN, actual: NaN },
    };
  }
  let maxAbs = 0;
  let maxRel = 0;
  let mismatches = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    const bothNaN = Number.isNaN(a[i]) && Number.isNaN(b[i]);
    const same = bothNaN || a[i] === b[i];
    if (!same && !(d <= atol + rtol * Math.abs(a[i]))) mismatches++;
    if (!same && (d > maxAbs || Number.isNaN(d))) {
      maxAbs = Number.isNaN(d) ? Infinity : d;
      worst = i;
    }
    if (!same) maxRel = Math.max(maxRel, d / Math.max(Math.abs(a[i]), atol));
  }
  return {
    name,
    elements: a.length,
    maxAbsDiff: maxAbs,
    maxRelDiff: maxRel,
    mismatches,
    worst: { index: worst, expected: a[worst], actual: b[worst] },
  };
}

function chooseProbes(expected: Model, actual: Model, options: CompareOptions): ValueInfo[] {
  const probes = options.probes ?? "auto";
  if (probes === "none") return [];
  const outputs = new Set(expected.graph.outputs.map((o) => o.name));
  const factsA = new ShapeFacts(expected);
  const factsB = new ShapeFacts(actual);
  const produced = new Set(actual.graph.nodes.flatMap((n) => n.outputs));
  const info = (name: string): ValueInfo => ({
    name,
    elemType: factsA.elemType(name) || DataType.FLOAT,
  });
  if (probes !== "auto") return probes.map(info);
  const candidates = topologicalSort(expected.graph).flatMap((n) => n.outputs).filter((name) =>
    name && !outputs.has(name) && produced.has(name) &&
    factsA.elemType(name) === DataType.FLOAT && factsB.elemType(name) === DataType.FLOAT &&
    (factsA.shape(name)?.length ?? 0) >= 2
  );
  const max = options.maxProbes ?? 24;
  if (candidates.length <= max) return candidates.map(info);
  return Array.from(
    { length: max },
    (_, i) => candidates[Math.round(((i + 1) * candidates.length) / max) - 1],
  ).map(info);
}
