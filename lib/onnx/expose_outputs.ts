import { DataType } from "./data_type.ts";
import { cloneModel, type Model } from "./model.ts";

/**
 * A copy of `model` (sharing its weights) that also outputs the intermediate values `names`
 * (as FLOAT tensors unless `elemType` says otherwise), so ONNX Runtime returns them: attention
 * probabilities, activations for calibration or for number-format statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, createModel } from "./model.ts";
 * import { withGraphOutputs } from "./expose_outputs.ts";
 * const model = createModel(createGraph("g"));
 * model.graph.nodes.push({ name: "r", opType: "Relu", domain: "", inputs: ["x"], outputs: ["h"], attributes: {} });
 * const exposed = withGraphOutputs(model, ["h"]);
 * assert.deepEqual(exposed.graph.outputs.map((o) => o.name), ["h"]);
 * assert.equal(model.graph.outputs.length, 0);
 * ```
 */
export function withGraphOutputs(
  model: Model,
  names: readonly string[],
  options: { elemType?: number } = {},
): Model {
  const copy = cloneModel(model, { shareTensorData: true });
  const present = new Set(copy.graph.outputs.map((o) => o.name));
  for (const name of names) {
    if (present.has(name)) continue;
    copy.graph.outputs.push({ name, elemType: options.elemType ?? DataType.FLOAT });
    present.add(name);
  }
  return copy;
}
