/**
 * Conv + BatchNormalization folding: at inference BatchNorm is a per-channel scale and shift,
 * `y = (conv − mean) · γ / √(var + ε) + β`, which folds exactly into the convolution's weights
 * and bias: `W' = W · s`, `b' = (b − mean) · s + β` with `s = γ / √(var + ε)`.
 *
 * @module
 */

import { DataType, getAttribute, type Model, shapeSize } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { constantOf, producerOf, soleConsumer, vectorOf } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";

/**
 * The `conv-batchnorm` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "../tiny_cnn.ts";
 * import { convBatchNorm } from "./conv_batchnorm.ts";
 * const { model, matches } = convBatchNorm.run(buildTinyCnn({ seed: 1 }));
 * assert.equal(matches.length, 2);
 * assert.equal(model.graph.nodes.some((n) => n.opType === "BatchNormalization"), false);
 * ```
 */
export const convBatchNorm: FusionPass = {
  name: "conv-batchnorm",
  description: "Conv + BatchNormalization (inference) → Conv with scaled weights and shifted bias.",
  produces: ["Conv"],
  requires: [],
  run: foldBatchNorms,
};

function foldBatchNorms(model: Model): PassResult {
  const ctx = new FusionContext(model);
  for (const bn of [...ctx.graph.nodes]) {
    if (bn.opType !== "BatchNormalization" || bn.domain !== "" || ctx.isClaimed(bn)) continue;
    if (bn.outputs.slice(1).some(Boolean)) continue; // training outputs requested
    const conv = producerOf(ctx, bn.inputs[0], "Conv");
    if (!conv || soleConsumer(ctx, conv.outputs[0]) !== bn) continue;
    const w = constantOf(ctx, conv.inputs[1]);
    if (!w || w.dataType !== DataType.FLOAT) continue;
    const m = w.dims[0];
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((v) => vectorOf(ctx, v, m));
    const b = conv.inputs[2] ? vectorOf(ctx, conv.inputs[2], m) : new Float32Array(m);
    if (!gamma || !beta || !mean || !variance || !b || !ctx.claim([conv, bn])) continue;
    const eps = getAttribute(bn, "epsilon", "float", 1e-5);
    const per = shapeSize(w.dims) / m;
    const data = w.data as Float32Array;
    const weight = new Float32Array(data.length);
    const bias = new Float32Array(m);
    for (let o = 0; o < m; o++) {
      const s = gamma[o] / Math.sqrt(variance[o] + eps);
      for (let i = o * per; i < (o + 1) * per; i++) weight[i] = data[i] * s;
      bias[o] = (b[o] - mean[o]) * s + beta[o];
    }
    conv.inputs = [
      conv.inputs[0],
      ctx.addInitializer(`${conv.inputs[1]}_bn`, DataType.FLOAT, w.dims, weight),
      ctx.addInitializer(`${conv.inputs[2] || `${conv.name}/bias`}_bn`, DataType.FLOAT, [m], bias),
    ];
    conv.outputs = [bn.outputs[0]];
    ctx.remove([bn]);
    ctx.record({ nodes: [conv.name, bn.name], replacement: [conv.name], detail: `${m} channels` });
  }
  return ctx.finish();
}
