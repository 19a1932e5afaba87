/**
 * An example graph-rewrite pass written outside `lib/`, as a project using the kit would write
 * one: `input-scale` divides the input of chosen Linears by per-channel scales and multiplies the
 * matching weight rows by them (the rewrite SmoothQuant makes before quantizing), so the
 * Linear's output is unchanged. A data-dependent pass: the scales come in `run`'s options.
 *
 * @module
 */

import type { FusionPass, PassMatch, PassResult } from "../../lib/fuse/mod.ts";
import { DataType, linearAt, type Model, RewriteContext } from "../../lib/onnx/mod.ts";

/** Options of {@link inputScale}: per-input-channel scales by Linear state-dict name. */
export interface InputScaleOptions {
  scales: Readonly<Record<string, ArrayLike<number>>>;
}

/**
 * The `input-scale` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../../lib/onnx/mod.ts";
 * import { inputScale } from "./input_scale_pass.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const w = b.initializer("fc.weight", DataType.FLOAT, [2, 1], [3, 5]);
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 1], { rename: "y" });
 * const { model, matches } = inputScale.run(createModel(b.build()), { scales: { fc: [2, 4] } });
 * assert.equal(matches.length, 1);
 * assert.deepEqual([...model.graph.initializers.find((t) => t.name === "fc.weight")!.data], [6, 20]);
 * ```
 */
export const inputScale: FusionPass<InputScaleOptions> = {
  name: "input-scale",
  description: "Linear(x) → Linear'(x / s) with the weight's input rows multiplied by s.",
  produces: ["Mul"],
  requires: [],
  run: scaleInputs,
};

function scaleInputs(model: Model, options: InputScaleOptions = { scales: {} }): PassResult {
  const ctx = new RewriteContext(model, { copy: true });
  const matches: PassMatch[] = [];
  for (const node of [...ctx.graph.nodes]) {
    const linear = linearAt(node, { index: ctx.index, bias: false });
    const s = linear?.name !== undefined ? options.scales[linear.name] : undefined;
    if (!linear || !s || s.length !== linear.inFeatures) continue;
    const inverse = ctx.addInitializer(
      `${linear.name}.input_scale`,
      DataType.FLOAT,
      [linear.inFeatures],
      Float32Array.from(s, (v) => 1 / v),
    );
    const mul = ctx.createNode({
      opType: "Mul",
      inputs: [linear.input, inverse],
      name: `${node.name}_input_scale`,
    });
    node.inputs[0] = mul.outputs[0];
    const [rows, cols] = linear.weight.dims;
    const data = new Float32Array(linear.weight.data as Float32Array);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) data[r * cols + c] *= linear.transposed ? s[c] : s[r];
    }
    ctx.replaceInitializer(linear.weightName, { ...linear.weight, data });
    matches.push({ nodes: [node.name], replacement: [mul.name], detail: linear.name });
  }
  ctx.sort();
  return { model: ctx.model, matches };
}
