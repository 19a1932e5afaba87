/**
 * MatMul + Add → Gemm: a Linear on a 2-D input (`[batch, features]`, as in a classifier head)
 * becomes one `Gemm` that adds the bias as it multiplies. `Gemm` is 2-D only, so the Linears on
 * `[batch, sequence, hidden]` activations keep their MatMul and their bias is folded into the op
 * that follows (BiasGelu, SkipLayerNormalization, Attention) by those passes.
 *
 * @module
 */

import type { Model } from "../../onnx/mod.ts";
import { FusionContext } from "../fusion_context.ts";
import { constantOf, otherInput, producerOf, soleConsumer } from "../pattern.ts";
import type { FusionPass, PassResult } from "../types.ts";
import { matMulWeight } from "../../onnx/mod.ts";

/**
 * The `matmul-bias` pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../../model/mod.ts";
 * import { matmulBias } from "./matmul_bias.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { matches } = matmulBias.run(buildDistilBert(config, { seed: 1 }));
 * assert.equal(matches.length, 2); // pre_classifier and classifier
 * ```
 */
export const matmulBias: FusionPass = {
  name: "matmul-bias",
  description: "MatMul(x[M, K], W) + Add(bias) → Gemm (2-D inputs; 3-D Linears keep the MatMul " +
    "and fold their bias into the next fused op).",
  produces: ["Gemm"],
  requires: [],
  run: fuseGemms,
};

function fuseGemms(model: Model): PassResult {
  const ctx = new FusionContext(model);
  let skipped3d = 0;
  for (const add of [...ctx.graph.nodes]) {
    if (add.opType !== "Add" || add.domain !== "" || ctx.isClaimed(add)) continue;
    for (const mmOut of add.inputs) {
      const mm = producerOf(ctx, mmOut, "MatMul");
      const biasName = otherInput(add, mmOut);
      const weight = mm ? matMulWeight(ctx.index, mm) : undefined;
      const bias = biasName ? constantOf(ctx, biasName) : undefined;
      if (!mm || !weight || !bias || soleConsumer(ctx, mmOut) !== add) continue;
      const n = weight.dims[1];
      const biasOk = (bias.dims.length === 1 && bias.dims[0] === n) ||
        (bias.dims.length === 2 && bias.dims[0] === 1 && bias.dims[1] === n);
      if (!biasOk || bias.dataType !== weight.dataType) continue;
      const rank = ctx.facts.shape(mm.inputs[0])?.length;
      if (rank !== 2) {
        if (rank !== undefined && rank > 2) skipped3d++;
        continue;
      }
      if (!ctx.claim([mm, add])) continue;
      const gemm = ctx.addNode({
        opType: "Gemm",
        inputs: [mm.inputs[0], mm.inputs[1], biasName!],
        outputs: [add.outputs[0]],
        replaces: [mm, add],
      });
      ctx.remove([mm, add]);
      ctx.record({ nodes: [mm.name, add.name], replacement: [gemm.name] });
      break;
    }
  }
  if (skipped3d > 0) {
    ctx.note(
      `${skipped3d} MatMul+Add on 3-D inputs kept (Gemm is 2-D); later passes fold those biases`,
    );
  }
  return ctx.finish();
}
