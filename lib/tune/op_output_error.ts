/**
 * The error of each op's own output when only that op is quantized, against the FP32 model's:
 * the models run on a few batches with the op's output exposed, and each op scores the relative
 * squared error Σ(q − f)² / Σf². Quantizing one op at a time keeps upstream error out of the
 * score (in the fully quantized model every op downstream of a broken one would look broken).
 * The `mse` strategy falls back ops in this order. A Linear's output is read after its bias (the
 * quantizer renames the MatMul it rewrites but keeps the tensors later nodes read); other ops by
 * their first output.
 *
 * @module
 */

import { cloneModel, DataType, findLinears, type Model } from "../onnx/mod.ts";
import { calibrationFeeds, type CalibrationInput } from "../quant/mod.ts";
import { createSession, type SessionOptions } from "../runtime/mod.ts";
import { modelBytes } from "./encoded.ts";
import { TuneOptionsError } from "./errors.ts";

/**
 * The tensor compared for each of `nodes` in the FP32 model: a Linear's output (after its bias,
 * a name the quantizer keeps) for a Linear's MatMul or Gemm, else the node's first output.
 */
function comparedTensors(model: Model, nodes: readonly string[]): Map<string, string> {
  const byName = new Map(model.graph.nodes.map((n) => [n.name, n.outputs[0]]));
  const linears = new Map(findLinears(model.graph).map((l) => [l.node.name, l.output]));
  const out = new Map<string, string>();
  for (const node of nodes) {
    const tensor = linears.get(node) ?? byName.get(node);
    if (tensor) out.set(node, tensor);
  }
  return out;
}

async function runExposed(
  model: Model,
  tensors: readonly string[],
  inputs: readonly CalibrationInput[],
  session: SessionOptions,
): Promise<Map<string, Float32Array[]>> {
  const copy = cloneModel(model, { shareTensorData: true });
  const present = new Set(copy.graph.outputs.map((o) => o.name));
  for (const name of tensors) {
    if (!present.has(name)) copy.graph.outputs.push({ name, elemType: DataType.FLOAT });
  }
  const s = await createSession(modelBytes(copy), session);
  try {
    const out = new Map<string, Float32Array[]>(tensors.map((t) => [t, []]));
    for (const input of inputs) {
      const result = await s.session.run(calibrationFeeds(input, s.inputNames), [...tensors]);
      for (const t of tensors) out.get(t)!.push(Float32Array.from(result[t].data as Float32Array));
    }
    return out;
  } finally {
    await s.session.release();
  }
}

/**
 * Relative squared error of each node's output with only that node quantized
 * (`quantizeOnly(node)`) vs `fp32`, on `inputs` (nodes whose output cannot be found are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { quantizeDynamic, quantizedNodes } from "../quant/mod.ts";
 * import { syntheticBatch } from "../runtime/mod.ts";
 * import { opOutputErrors } from "./op_output_error.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 1100, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32 };
 * const model = buildDistilBert(config, { seed: 0, std: 0.1 });
 * const nodes = quantizedNodes(quantizeDynamic(model).report).filter((n) => n.endsWith("MatMul")).slice(0, 2);
 * const errors = await opOutputErrors({
 *   fp32: model, nodes, inputs: [syntheticBatch({ size: 2, seqLen: 8, vocabSize: 1100, seed: 1 })],
 *   quantizeOnly: (node) => quantizeDynamic(model, { includeNodes: [node] }).model,
 * });
 * assert.equal(errors.size, 2);
 * for (const e of errors.values()) assert.ok(e > 0 && e < 0.1);
 * ```
 */
export async function opOutputErrors(options: {
  fp32: Model;
  quantizeOnly: (node: string) => Model;
  nodes: readonly string[];
  inputs: readonly CalibrationInput[];
  session?: SessionOptions;
  /** Checked before each node: once true, the nodes not measured yet are left out (time budget). */
  stop?: () => boolean;
}): Promise<Map<string, number>> {
  if (options.inputs.length === 0) {
    throw new TuneOptionsError(
      "op output errors need at least one batch: pass calibration batches or sensitivity: { batches }.",
    );
  }
  const tensors = comparedTensors(options.fp32, options.nodes);
  const session = options.session ?? {};
  const ref = await runExposed(
    options.fp32,
    [...new Set(tensors.values())],
    options.inputs,
    session,
  );
  const errors = new Map<string, number>();
  for (const [node, tensor] of tensors) {
    if (options.stop?.()) break;
    const quantized = options.quantizeOnly(node);
    if (!quantized.graph.nodes.some((n) => n.outputs.includes(tensor))) continue;
    const got = (await runExposed(quantized, [tensor], options.inputs, session)).get(tensor)!;
    const a = ref.get(tensor)!;
    let num = 0;
    let den = 0;
    a.forEach((values, i) => {
      for (let j = 0; j < values.length; j++) {
        num += (got[i][j] - values[j]) ** 2;
        den += values[j] ** 2;
      }
    });
    errors.set(node, den > 0 ? num / den : num);
  }
  return errors;
}
