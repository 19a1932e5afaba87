/**
 * ONNX Runtime's own `QuantizeLinear` and `MatMulInteger` on given data: one-node models run in
 * ORT's CPU provider, so a notebook (or a test) can compare a hand computation with what ORT
 * does on this machine, bit for bit.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { attr, createModel, DataType, encodeModel, GraphBuilder } from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import type { QuantType } from "./params.ts";
import type { QuantizedArray } from "./qdq_ops.ts";

const QUANT_DATA_TYPE = { int8: DataType.INT8, uint8: DataType.UINT8 } as const;

async function runOneNode(
  builder: GraphBuilder,
  opset: number,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.Tensor> {
  const bytes = encodeModel(createModel(builder.build(), { opset }));
  const { session } = await createSession(bytes, {
    intraOpThreads: 1,
    graphOptimizationLevel: "disabled",
  });
  try {
    const out = await session.run(feeds);
    return out[session.outputNames[0]];
  } finally {
    await session.release();
  }
}

/** Options of {@link ortQuantizeLinear}. */
export interface OrtQuantizeLinearOptions {
  x: Float32Array;
  dims: readonly number[];
  /** One scale (per tensor) or one per index of `axis`. */
  scale: ArrayLike<number>;
  /** Zero points, as many as scales. */
  zeroPoint: ArrayLike<number>;
  type: QuantType;
  /** Channel axis of per-channel parameters (default 1, as ONNX). */
  axis?: number;
}

/**
 * Runs ONNX Runtime's `QuantizeLinear` (opset 13) on `x` and returns the integers it produced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ortQuantizeLinear } from "./ort_reference.ts";
 * const q = await ortQuantizeLinear({
 *   x: new Float32Array([0.5, -1.5, 300]), dims: [3], scale: [1], zeroPoint: [0], type: "int8",
 * });
 * assert.deepEqual([...q], [0, -2, 127]);
 * ```
 */
export async function ortQuantizeLinear(
  options: OrtQuantizeLinearOptions,
): Promise<QuantizedArray> {
  const type = QUANT_DATA_TYPE[options.type];
  const n = options.scale.length;
  const b = new GraphBuilder("quantize_linear");
  const x = b.input("x", DataType.FLOAT, options.dims);
  const scale = b.initializer(
    "scale",
    DataType.FLOAT,
    n === 1 ? [] : [n],
    Array.from(options.scale),
  );
  const zeroPoint = b.initializer(
    "zero_point",
    type,
    n === 1 ? [] : [n],
    Array.from(options.zeroPoint),
  );
  const y = b.op("QuantizeLinear", [x, scale, zeroPoint], {
    attributes: n === 1 ? {} : { axis: attr.int(options.axis ?? 1) },
  });
  b.output(y, type, options.dims);
  const out = await runOneNode(b, 13, {
    x: new ort.Tensor("float32", options.x, [...options.dims]),
  });
  return out.data as QuantizedArray;
}

/** Options of {@link ortMatMulInteger}. */
export interface OrtMatMulIntegerOptions {
  a: Uint8Array;
  aDims: readonly number[];
  b: Int8Array;
  bDims: readonly number[];
  /** Zero point of `a` (default 0). */
  aZeroPoint?: number;
}

/**
 * Runs ONNX Runtime's `MatMulInteger` (uint8 × int8, opset 10) and returns its int32 result: on
 * x86 CPUs without VNNI, ORT's kernel saturates pairs of products in int16 (see
 * `u8s8Accumulation` in lib/runtime), so this can differ from the exact product.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ortMatMulInteger } from "./ort_reference.ts";
 * const y = await ortMatMulInteger({
 *   a: new Uint8Array([2, 3]), aDims: [1, 2], b: new Int8Array([4, -5]), bDims: [2, 1],
 * });
 * assert.deepEqual([...y], [2 * 4 - 3 * 5]);
 * ```
 */
export async function ortMatMulInteger(options: OrtMatMulIntegerOptions): Promise<Int32Array> {
  const b = new GraphBuilder("matmul_integer");
  const a = b.input("a", DataType.UINT8, options.aDims);
  const w = b.initializer("b", DataType.INT8, options.bDims, options.b);
  const aZp = b.initializer("a_zero_point", DataType.UINT8, [], [options.aZeroPoint ?? 0]);
  const y = b.op("MatMulInteger", [a, w, aZp]);
  b.output(y, DataType.INT32);
  const out = await runOneNode(b, 10, {
    a: new ort.Tensor("uint8", options.a, [...options.aDims]),
  });
  return out.data as Int32Array;
}
