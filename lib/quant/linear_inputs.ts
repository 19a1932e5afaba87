/**
 * Statistics of the inputs of linear layers on calibration data, per input channel: the largest
 * magnitude (what SmoothQuant balances) and, optionally, `Σ x xᵀ` (the Hessian GPTQ compensates
 * errors with). The FP32 model runs in ONNX Runtime with the inputs as extra outputs; every row of
 * every batch counts (an activation `[..., K]` is read as rows of K channels).
 *
 * @module
 */

import { cloneModel, DataType, encodeModel, findLinears, type Model } from "../onnx/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { CalibrationError, calibrationFeeds } from "./calibration_feeds.ts";
import type { CalibrationReader } from "./calibrate.ts";

/** What was seen of one Linear input. */
export interface LinearInputStats {
  /** Channels (the Linear's in-features). */
  channels: number;
  /** max |x| per channel. */
  absMax: Float32Array;
  /** `Σ x xᵀ`, `channels × channels` row-major (when asked). */
  hessian?: Float64Array;
  /** Rows seen. */
  rows: number;
}

/** Options of {@link collectLinearInputs}. */
export interface CollectLinearInputsOptions {
  /** Accumulate `Σ x xᵀ` too (default false). */
  hessian?: boolean;
  /** Only these input values (default: the inputs of every Linear with a float weight). */
  inputs?: readonly string[];
  /** Stop after this many batches (default all). */
  maxBatches?: number;
  session?: SessionOptions;
}

/**
 * Per-channel statistics of every Linear's input over `reader`'s batches, by input value name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as ort from "onnxruntime-node";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { collectLinearInputs } from "./linear_inputs.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * b.output(b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [2, 1], [1, 1])]), DataType.FLOAT, ["n", 1]);
 * const feeds = [{ x: new ort.Tensor("float32", Float32Array.from([1, -3, 2, 0.5]), [2, 2]) }];
 * const stats = await collectLinearInputs(createModel(b.build()), feeds, { hessian: true });
 * assert.deepEqual([...stats.get("x")!.absMax], [2, 3]);
 * assert.deepEqual([...stats.get("x")!.hessian!], [5, -2, -2, 9.25]);
 * ```
 */
export async function collectLinearInputs(
  model: Model,
  reader: CalibrationReader,
  options: CollectLinearInputsOptions = {},
): Promise<Map<string, LinearInputStats>> {
  const channels = new Map<string, number>();
  for (const linear of findLinears(model.graph, { bias: false })) {
    if (!options.inputs || options.inputs.includes(linear.input)) {
      channels.set(linear.input, linear.inFeatures);
    }
  }
  const graphInputs = new Set(model.graph.inputs.map((i) => i.name));
  const copy = cloneModel(model, { shareTensorData: true });
  const outputs = new Set(copy.graph.outputs.map((o) => o.name));
  for (const name of channels.keys()) {
    if (!outputs.has(name) && !graphInputs.has(name)) {
      copy.graph.outputs.push({ name, elemType: DataType.FLOAT });
    }
  }
  const stats = new Map<string, LinearInputStats>();
  for (const [name, k] of channels) {
    stats.set(name, {
      channels: k,
      absMax: new Float32Array(k),
      hessian: options.hessian ? new Float64Array(k * k) : undefined,
      rows: 0,
    });
  }
  const session = await createSession(encodeModel(copy), options.session);
  let batches = 0;
  try {
    for await (const input of reader) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
      const feeds = calibrationFeeds(input, session.inputNames);
      const fetched = [...channels.keys()].filter((n) => !graphInputs.has(n));
      const out = fetched.length ? await session.session.run(feeds, fetched) : {};
      for (const [name, s] of stats) {
        const t = out[name] ?? feeds[name];
        if (!t || t.type !== "float32") {
          throw new CalibrationError(
            `Linear input "${name}" is ${t ? t.type : "missing"}, not float32; ` +
              "collect statistics on the FP32 model.",
          );
        }
        accumulate(s, t.data as Float32Array);
      }
      batches++;
    }
  } finally {
    await session.session.release();
  }
  if (batches === 0) {
    throw new CalibrationError("the calibration reader gave no batches; pass some.");
  }
  return stats;
}

function accumulate(s: LinearInputStats, data: Float32Array): void {
  const k = s.channels;
  const rows = data.length / k;
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    for (let i = 0; i < k; i++) {
      const a = Math.abs(data[o + i]);
      if (a > s.absMax[i]) s.absMax[i] = a;
    }
    const h = s.hessian;
    if (h) {
      for (let i = 0; i < k; i++) {
        const xi = data[o + i];
        if (xi === 0) continue;
        const hi = i * k;
        for (let j = i; j < k; j++) h[hi + j] += xi * data[o + j];
      }
    }
  }
  if (s.hessian) {
    // Only the upper triangle was summed above for this batch; mirror it when done.
    mirrorUpper(s.hessian, k);
  }
  s.rows += rows;
}

/** Copies the upper triangle to the lower one (the lower one holds the mirror of earlier sums). */
function mirrorUpper(h: Float64Array, k: number): void {
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) h[j * k + i] = h[i * k + j];
  }
}
