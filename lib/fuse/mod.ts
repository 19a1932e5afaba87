/**
 * Graph optimization by operator fusion on the kit's ONNX IR: a registry of passes, each a pure
 * graph-to-graph transform for one pattern (LayerNorm, GELU, attention, Conv+BatchNorm, …), the
 * `fuse` pipeline with its report, equality checks in ONNX Runtime, drawings of subgraphs, and
 * the benchmark against ONNX Runtime's own optimizer.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
 * import { assertSameOutputs, fuse } from "./mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 50, dim: 16, nLayers: 1, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 16 };
 * const model = buildDistilBert(config, { seed: 0 });
 * const { model: fused, report } = fuse(model);
 * assert.ok(report.nodesAfter < report.nodesBefore);
 * await assertSameOutputs(model, fused);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./pass_registry.ts";
export * from "./pipeline.ts";
export * from "./fusion_report.ts";
export * from "./check.ts";
export * from "./tiny_cnn.ts";
export { attention } from "./passes/attention.ts";
export { biasGelu } from "./passes/bias_gelu.ts";
export { constantFolding } from "./passes/constant_folding.ts";
export { convActivation } from "./passes/conv_activation.ts";
export { convBatchNorm } from "./passes/conv_batchnorm.ts";
export { deadNodeRemoval } from "./passes/dead_node_removal.ts";
export { gelu } from "./passes/gelu.ts";
export { layerNorm } from "./passes/layer_norm.ts";
export { matmulBias } from "./passes/matmul_bias.ts";
export { qkvMerge } from "./passes/qkv_merge.ts";
export { reshapeSimplify } from "./passes/reshape_simplify.ts";
export { silu } from "./passes/silu.ts";
export { skipLayerNorm } from "./passes/skip_layer_norm.ts";
export * from "./bench.ts";
export * from "./diagram.ts";
export * from "./figures.ts";
