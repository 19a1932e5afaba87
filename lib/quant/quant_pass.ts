/**
 * The pass both approaches share: copy the model, offer every node of a selected op type to its
 * quantizer (unless excluded), and collect the report.
 *
 * @module
 */

import { cloneModel, GraphIndex, type Model, modelTensorBytes } from "../onnx/mod.ts";
import { QuantContext } from "./quant_context.ts";
import type { ResolvedQuantOptions } from "./options.ts";
import type { MinMax } from "./params.ts";
import { defaultQuantizers } from "./builtin_quantizers.ts";
import type { QuantizerRegistry } from "./quantizer_registry.ts";
import { type QuantNodeReport, type QuantReport, summarizeReport } from "./quant_report.ts";

/** A quantized model and what was done to it. */
export interface QuantizeResult {
  model: Model;
  report: QuantReport;
}

/** Inputs of {@link quantizeModel}. */
export interface QuantizeModelOptions {
  approach: "dynamic" | "static";
  options: ResolvedQuantOptions;
  registry?: QuantizerRegistry;
  /** Calibrated activation ranges (static). */
  ranges?: ReadonlyMap<string, MinMax>;
}

/**
 * Quantizes a copy of `model` (its weights are shared, not copied, until replaced). Used by
 * `quantizeDynamic` and `quantizeStatic`, which resolve the options.
 */
export function quantizeModel(model: Model, o: QuantizeModelOptions): QuantizeResult {
  const registry = o.registry ?? defaultQuantizers();
  const copy = cloneModel(model, { shareTensorData: true });
  const before = modelTensorBytes(model);
  const ctx = new QuantContext(copy, o.options, o.approach, o.ranges);
  const nodes: QuantNodeReport[] = [];
  for (const node of [...copy.graph.nodes]) {
    if (node.domain !== "" || !o.options.opTypes.has(node.opType)) continue;
    const quantizer = registry.get(node.opType);
    if (!quantizer) continue;
    const entry = { node: node.name, opType: node.opType };
    if (o.options.excludeNodes.has(node.name)) {
      nodes.push({ ...entry, quantized: false, reason: "excluded by options (excludeNodes)" });
    } else if (o.options.includeNodes && !o.options.includeNodes.has(node.name)) {
      nodes.push({ ...entry, quantized: false, reason: "not in options.includeNodes" });
    } else if (ctx.isRemoved(node)) {
      nodes.push({ ...entry, quantized: false, reason: "consumed by another quantized node" });
    } else {
      nodes.push({ ...entry, ...quantizer.quantize(node, ctx) });
    }
  }
  ctx.finish();
  const format = o.approach === "dynamic" ? "integer" : o.options.format;
  copy.metadata = {
    ...copy.metadata,
    quantization: JSON.stringify({
      approach: o.approach,
      format,
      weightType: o.options.weightType,
      activationType: o.options.activationType,
      perChannel: o.options.perChannel,
    }),
  };
  const report = summarizeReport({
    approach: o.approach,
    format,
    nodes,
    weightBytes: { before, after: modelTensorBytes(copy) },
    options: o.options,
  });
  return { model: copy, report };
}

/**
 * The activations static quantization of `model` with these options needs ranges for: what
 * `calibrate` records. Exclusions are ignored, so one calibration serves every fallback.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { resolveQuantOptions } from "./options.ts";
 * import { calibrationTargets } from "./quant_pass.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, [1, 4]);
 * const w = b.initializer("w", DataType.FLOAT, [4, 2]);
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, [1, 2]);
 * const model = createModel(b.build());
 * assert.deepEqual(calibrationTargets(model, resolveQuantOptions("static")), ["x"]);
 * ```
 */
export function calibrationTargets(
  model: Model,
  options: ResolvedQuantOptions,
  registry: QuantizerRegistry = defaultQuantizers(),
): string[] {
  const index = new GraphIndex(model.graph);
  const targets = new Set<string>();
  for (const node of model.graph.nodes) {
    if (node.domain !== "" || !options.opTypes.has(node.opType)) continue;
    const quantizer = registry.get(node.opType);
    for (const t of quantizer?.activationInputs(node, { index, options }) ?? []) targets.add(t);
  }
  return [...targets];
}
