/**
 * The registry of fusion passes, in the order `fuse` runs them. The built-in passes each live in
 * one file in `passes/` and are listed here; a pass from anywhere else (a notebook, a project
 * using the kit) is one file plus one {@link registerPass} call. Defaults are explicit lists, so
 * a newly registered pass runs only when asked for.
 *
 * @module
 */

import { PassRegistryError, UnknownPassError } from "./errors.ts";
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
 * The built-in passes, in pipeline order: cleanups first (so patterns are contiguous), then the
 * fusions, each after the passes it `requires`.
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

/** Names of the built-in passes, in pipeline order. */
export const ALL_PASSES: readonly string[] = FUSION_PASSES.map((p) => p.name);

/**
 * What `fuse` runs by default, for ONNX Runtime's CPU provider: every built-in pass except
 * `skip-layer-norm`. ORT 1.30's CPU `SkipLayerNormalization` kernel is slower than the `Add` +
 * `LayerNormalization` it replaces (measured on `[8, 128, 768]`: 5.3 ms against 1.4 ms on one
 * thread, 3.0 ms against 1.0 ms on two), so on CPU that fusion costs time; on GPU providers use
 * {@link ALL_PASSES}. An explicit list: a registered pass never joins it silently.
 */
export const DEFAULT_PASSES: readonly string[] = [
  "constant-folding",
  "dead-node-removal",
  "reshape-simplify",
  "layer-norm",
  "attention",
  "qkv-merge",
  "gelu",
  "bias-gelu",
  "matmul-bias",
  "conv-batchnorm",
  "conv-activation",
  "silu",
];

/**
 * {@link DEFAULT_PASSES} without `attention`, whose fused op swallows the Q/K/V MatMuls: with
 * these, every Linear keeps a MatMul with a constant weight (Q/K/V merged into one by
 * `qkv-merge`), so a quantizer that quantizes MatMuls still finds them all. What
 * `tune({ fuseFirst: true })` runs. An explicit list, like {@link DEFAULT_PASSES}.
 */
export const QUANTIZATION_FRIENDLY_PASSES: readonly string[] = [
  "constant-folding",
  "dead-node-removal",
  "reshape-simplify",
  "layer-norm",
  "qkv-merge",
  "gelu",
  "bias-gelu",
  "matmul-bias",
  "conv-batchnorm",
  "conv-activation",
  "silu",
];

const registry: FusionPass[] = [...FUSION_PASSES];

/** Options of {@link registerPass}. */
export interface RegisterPassOptions {
  /** Run it right before this registered pass (default: after every registered pass). */
  before?: string;
}

/**
 * Adds a pass to the registry, so `fuse` and {@link fusionPass} know it by name. It runs after
 * the passes registered before it (or right before `options.before`) and after its `requires`.
 * It joins no default list. Throws {@link PassRegistryError} for a taken name, an unknown
 * `before` or an unregistered `requires`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusionPass, passNames, registerPass, unregisterPass } from "./pass_registry.ts";
 * registerPass({
 *   name: "drop-identity-example",
 *   description: "Nothing (an example).",
 *   produces: [],
 *   requires: [],
 *   run: (model) => ({ model, matches: [] }),
 * });
 * assert.equal(fusionPass("drop-identity-example").description, "Nothing (an example).");
 * assert.equal(passNames().at(-1), "drop-identity-example");
 * unregisterPass("drop-identity-example");
 * assert.equal(passNames().includes("drop-identity-example"), false);
 * ```
 */
export function registerPass(pass: FusionPass, options: RegisterPassOptions = {}): void {
  if (registry.some((p) => p.name === pass.name)) {
    throw new PassRegistryError(
      `A fusion pass named "${pass.name}" is already registered; choose another name.`,
    );
  }
  for (const r of pass.requires) {
    if (!registry.some((p) => p.name === r)) {
      throw new PassRegistryError(
        `Fusion pass "${pass.name}" requires "${r}", which is not registered; register it first.`,
      );
    }
  }
  if (options.before === undefined) {
    registry.push(pass);
    return;
  }
  const at = registry.findIndex((p) => p.name === options.before);
  const required = Math.max(
    -1,
    ...pass.requires.map((r) => registry.findIndex((p) => p.name === r)),
  );
  if (at < 0 || at <= required) {
    throw new PassRegistryError(
      `Cannot register fusion pass "${pass.name}" before "${options.before}": ` +
        (at < 0 ? "no pass has that name" : "it must run after the passes it requires") +
        `; the registry has: ${passNames().join(", ")}.`,
    );
  }
  registry.splice(at, 0, pass);
}

/**
 * Removes a pass added by {@link registerPass}; returns whether it was registered. Built-in
 * passes stay (select passes with `fuse`'s `passes` option instead).
 */
export function unregisterPass(name: string): boolean {
  if (ALL_PASSES.includes(name)) {
    throw new PassRegistryError(
      `"${name}" is a built-in fusion pass and cannot be unregistered; leave it out of ` +
        "fuse's passes option instead.",
    );
  }
  const i = registry.findIndex((p) => p.name === name);
  if (i >= 0) registry.splice(i, 1);
  return i >= 0;
}

/** Every registered pass (built-in and added), in pipeline order. */
export function fusionPasses(): readonly FusionPass[] {
  return [...registry];
}

/** Names of every registered pass, in pipeline order. */
export function passNames(): string[] {
  return registry.map((p) => p.name);
}

/**
 * The registered pass named `name`. Throws {@link UnknownPassError} listing the known names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fusionPass } from "./pass_registry.ts";
 * assert.equal(fusionPass("layer-norm").produces[0], "LayerNormalization");
 * assert.throws(() => fusionPass("layernorm"), /Unknown fusion pass "layernorm"/);
 * ```
 */
export function fusionPass(name: string): FusionPass {
  const pass = registry.find((p) => p.name === name);
  if (!pass) {
    throw new UnknownPassError(
      `Unknown fusion pass "${name}"; the registry has: ${passNames().join(", ")}.`,
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
 * import { prerequisites } from "./pass_registry.ts";
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
  return passNames().filter((n) => needed.has(n));
}
