/**
 * The registry of fusion passes, in the order `fuse` runs them. Adding a pass is one file in
 * `passes/` and one line here.
 *
 * @module
 */

import { UnknownPassError } from "./errors.ts";
import { attention } from "./passes/attention.ts";
import { biasGelu } from "./passes/bias_gelu.ts";
import { constantFolding } from "./passes/constant_folding.ts";
import { convActivation } from "./passes/conv_activation.ts";
import { convBatchNorm } from "./passes/conv_batchnorm.ts";
import { deadNodeRemoval } from "./passes/dead_node_removal.ts";
import { gelu } from "./passes/gelu.ts";
import { layerNorm } from "./passes/layer_norm.ts";
import { matmulBias } from "./passes/matmul_bias.ts";
import { qkvMerge } from "./passes/qkv_merge.ts";
import { reshapeSimplify } from "./passes/reshape_simplify.ts";
import { silu } from "./passes/silu.ts";
import { skipLayerNorm } from "./passes/skip_layer_norm.ts";
import type { FusionPass } from "./types.ts";

/**
 * Every pass, in pipeline order: cleanups first (so patterns are contiguous), then the fusions,
 * each after the passes it `requires`.
 */
export const FUSION_PASSES: readonly FusionPass[] = [
  constantFolding,
  deadNodeRemoval,
  reshapeSimplify,
  layerNorm,
  attention,
  qkvMerge,
  skipLayerNorm,
  gelu,
  biasGelu,
  matmulBias,
  convBatchNorm,
  convActivation,
  silu,
];

/** Names of all passes, in pipeline order. */
export const ALL_PASSES: readonly string[] = FUSION_PASSES.map((p) => p.name);

/**
 * What `fuse` runs by default, for ONNX Runtime's CPU provider: every pass except
 * `skip-layer-norm`. ORT 1.30's CPU `SkipLayerNormalization` kernel is slower than the `Add` +
 * `LayerNormalization` it replaces (measured on `[8, 128, 768]`: 5.3 ms against 1.4 ms on one
 * thread, 3.0 ms against 1.0 ms on two), so on CPU that fusion costs time; on GPU providers use
 * {@link ALL_PASSES}.
 */
export const DEFAULT_PASSES: readonly string[] = ALL_PASSES.filter((n) => n !== "skip-layer-norm");

/**
 * {@link DEFAULT_PASSES} without `attention`, whose fused op swallows the Q/K/V MatMuls: with
 * these, every Linear keeps a MatMul with a constant weight (Q/K/V merged into one by
 * `qkv-merge`), so a quantizer that quantizes MatMuls still finds them all.
 */
export const QUANTIZATION_FRIENDLY_PASSES: readonly string[] = DEFAULT_PASSES.filter((n) =>
  n !== "attention"
);

/**
 * The pass named `name`. Throws {@link UnknownPassError} listing the known names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusionPass } from "./registry.ts";
 * assert.equal(fusionPass("layer-norm").produces[0], "LayerNormalization");
 * assert.throws(() => fusionPass("layernorm"), /Unknown fusion pass "layernorm"/);
 * ```
 */
export function fusionPass(name: string): FusionPass {
  const pass = FUSION_PASSES.find((p) => p.name === name);
  if (!pass) {
    throw new UnknownPassError(
      `Unknown fusion pass "${name}"; the registry has: ${ALL_PASSES.join(", ")}.`,
    );
  }
  return pass;
}

/**
 * The passes to run before `name` so that it finds its pattern in an exported graph (its
 * `requires`, recursively), in pipeline order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prerequisites } from "./registry.ts";
 * assert.deepEqual(prerequisites("bias-gelu"), ["gelu"]);
 * assert.deepEqual(prerequisites("layer-norm"), []);
 * ```
 */
export function prerequisites(name: string): string[] {
  const needed = new Set<string>();
  const visit = (n: string) => {
    for (const r of fusionPass(n).requires) {
      if (!needed.has(r)) {
        needed.add(r);
        visit(r);
      }
    }
  };
  visit(name);
  return ALL_PASSES.filter((n) => needed.has(n));
}
