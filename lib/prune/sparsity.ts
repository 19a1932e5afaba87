/**
 * What unstructured sparsity buys on a CPU without sparse kernels: the zero fraction of a model's
 * weights (per layer and overall) and the size once compressed — INT8-quantized weights zipped
 * (deflate) — against the dense FP32 weights. ORT's CPU provider runs zeros at full cost, so this
 * size, not latency, is where unstructured pruning shows.
 *
 * @module
 */

import { zipSync } from "fflate";
import { DataType, type Model, tensorToFloat32 } from "../onnx/mod.ts";
import { quantizeWeight } from "../quant/mod.ts";
import { linearsByStateDictName } from "./onnx_masks.ts";

/** Zeros among some weights. */
export interface ZeroCount {
  zeros: number;
  total: number;
  /** `zeros / total` (0 when empty). */
  sparsity: number;
}

/** What {@link weightSparsity} reports. */
export interface WeightSparsity {
  /** Over every counted weight. */
  overall: ZeroCount;
  /** Per transformer layer (`distilbert.transformer.layer.i.…`), in layer order. */
  byLayer: Array<ZeroCount & { layer: number }>;
  /** Per weight, by state-dict name (`….ffn.lin1.weight`). */
  byWeight: Map<string, ZeroCount>;
}

/** Options of {@link weightSparsity}. */
export interface WeightSparsityOptions {
  /**
   * Which Linear weights count, by state-dict weight name (default: the transformer layers'
   * Linears; embeddings, `pre_classifier` and `classifier` are left out, as pruning leaves them).
   */
  include?: (name: string) => boolean;
}

const LAYER = /^distilbert\.transformer\.layer\.(\d+)\./;

/**
 * Zero fraction of `model`'s Linear weights (found by state-dict name in kit and torch exports),
 * per weight, per transformer layer and overall.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { applyMasks, weightSparsity } from "./mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 2, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const name = "distilbert.transformer.layer.1.ffn.lin1.weight";
 * const mask = new Uint8Array(128).map((_, i) => i % 2);
 * const { model } = applyMasks(buildDistilBert(config, { seed: 1 }), new Map([[name, { shape: [16, 8], mask }]]));
 * const s = weightSparsity(model);
 * assert.equal(s.byWeight.get(name)!.sparsity, 0.5);
 * assert.deepEqual(s.byLayer.map((l) => l.zeros), [0, 64]);
 * assert.equal(s.overall.total, 2 * (4 * 64 + 2 * 128));
 * ```
 */
export function weightSparsity(model: Model, options: WeightSparsityOptions = {}): WeightSparsity {
  const include = options.include ?? ((name: string) => LAYER.test(name));
  const byWeight = new Map<string, ZeroCount>();
  const layers = new Map<number, { zeros: number; total: number }>();
  const all = { zeros: 0, total: 0 };
  for (const [base, linear] of linearsByStateDictName(model.graph)) {
    const name = `${base}.weight`;
    if (!include(name)) continue;
    const data = tensorToFloat32(linear.weight);
    let zeros = 0;
    for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++;
    byWeight.set(name, count(zeros, data.length));
    all.zeros += zeros;
    all.total += data.length;
    const layer = name.match(LAYER);
    if (layer) {
      const l = layers.get(Number(layer[1])) ?? { zeros: 0, total: 0 };
      l.zeros += zeros;
      l.total += data.length;
      layers.set(Number(layer[1]), l);
    }
  }
  const byLayer = [...layers].sort(([a], [b]) => a - b)
    .map(([layer, c]) => ({ layer, ...count(c.zeros, c.total) }));
  return { overall: count(all.zeros, all.total), byLayer, byWeight };
}

function count(zeros: number, total: number): ZeroCount {
  return { zeros, total, sparsity: total ? zeros / total : 0 };
}

/** What {@link compressedSize} reports, in bytes. */
export interface CompressedSize {
  /** The float weights as FP32, raw (0 for what is already INT8). */
  fp32Bytes: number;
  /** The same, zipped (not computed with `zipFp32: false`). */
  fp32ZippedBytes?: number;
  /** INT8 weights (2-D and larger; one scale per row) plus the 1-D tensors in FP32, raw. */
  int8Bytes: number;
  /** The same, zipped: what a sparse model costs to store and ship. */
  int8ZippedBytes: number;
  /** `int8ZippedBytes / fp32Bytes`. */
  ratio: number;
}

/** Options of {@link compressedSize}. */
export interface CompressedSizeOptions {
  /** Also zip the FP32 weights (default true; slow on full-size models). */
  zipFp32?: boolean;
}

/**
 * The size of `model`'s float initializers dense (FP32) and once compressed: 2-D weights
 * quantized to INT8 (symmetric, one scale per row, so zeros stay exactly 0) and every tensor
 * zipped with deflate (fflate, level 9); INT8/UINT8 initializers of an already quantized model
 * are taken as they are. Zeros compress; ORT does not skip them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { compressedSize } from "./sparsity.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 64, nLayers: 1, nHeads: 2, hiddenDim: 128, maxPositionEmbeddings: 8 };
 * const size = compressedSize(buildDistilBert(config, { seed: 1 }));
 * assert.ok(size.int8Bytes < size.fp32Bytes / 3); // a byte per weight, a float scale per row
 * assert.ok(size.fp32ZippedBytes! < size.fp32Bytes);
 * ```
 */
export function compressedSize(model: Model, options: CompressedSizeOptions = {}): CompressedSize {
  const fp32: Record<string, Uint8Array> = {};
  const int8: Record<string, Uint8Array> = {};
  let fp32Bytes = 0;
  let int8Bytes = 0;
  for (const t of model.graph.initializers) {
    if (t.dataType === DataType.INT8 || t.dataType === DataType.UINT8) {
      // already quantized (a QDQ or QOperator model): stored as it is
      const d = t.data as Int8Array | Uint8Array;
      int8[t.name] = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      int8Bytes += d.byteLength;
      continue;
    }
    if (t.dataType !== DataType.FLOAT) continue;
    const values = tensorToFloat32(t);
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    fp32[t.name] = raw;
    fp32Bytes += raw.byteLength;
    if (t.dims.length < 2) {
      int8[t.name] = raw;
      int8Bytes += raw.byteLength;
      continue;
    }
    const q = quantizeWeight(t, {
      type: "int8",
      symmetric: true,
      perChannel: true,
      axis: 0,
      reduceRange: false,
    }, { data: "q", scale: "s", zeroPoint: "z" });
    const data = q.data.data as Int8Array;
    const scale = q.scale.data as Float32Array;
    int8[t.name] = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    int8[`${t.name}.scale`] = new Uint8Array(scale.buffer, scale.byteOffset, scale.byteLength);
    int8Bytes += data.byteLength + scale.byteLength;
  }
  const zipped = (files: Record<string, Uint8Array>) => zipSync(files, { level: 9 }).byteLength;
  const int8ZippedBytes = zipped(int8);
  return {
    fp32Bytes,
    ...(options.zipFp32 === false ? {} : { fp32ZippedBytes: zipped(fp32) }),
    int8Bytes,
    int8ZippedBytes,
    ratio: int8ZippedBytes / fp32Bytes,
  };
}
