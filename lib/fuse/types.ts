/**
 * The shape of a fusion pass: a pure graph-to-graph transform that says what it matched. A pass
 * may take options (`run(model, options)`) for rewrites that need data: scales, masks, ranges.
 *
 * @module
 */

import type { Model } from "../onnx/mod.ts";

/** One place where a pass found its pattern and rewrote it. */
export interface PassMatch {
  /** Names of the original nodes the pattern covered (removed or rewritten). */
  nodes: string[];
  /** Names of the nodes that replace them (empty when the pass only removed or edited nodes). */
  replacement: string[];
  /** One line about this match (`"eps 1e-12"`, `"4 heads × 64"`). */
  detail?: string;
}

/** What a pass returns: a new model (the input is left untouched) and its matches. */
export interface PassResult {
  model: Model;
  matches: PassMatch[];
  /** Why candidates were left alone, when that is not obvious (e.g. `"opset 12 < 13"`). */
  notes?: string[];
}

/**
 * A fusion pass: built in, registered with `registerPass`, or handed to `fuse` directly. `O` is
 * the type of its options (data-dependent rewrites take scales or masks there).
 */
export interface FusionPass<O = unknown> {
  /** Registry name, kebab-case (`"layer-norm"`). */
  readonly name: string;
  /** One sentence: the pattern and what replaces it. */
  readonly description: string;
  /** The ops the pass writes (`"LayerNormalization"`, `"com.microsoft:Attention"`), for reports. */
  readonly produces: readonly string[];
  /**
   * Passes that must run first for this one to find its pattern in an exported graph (e.g.
   * `skip-layer-norm` needs `layer-norm`). `fuse` runs passes in registry order, which respects
   * these; tests use them to build the "before" graph of a single pass.
   */
  readonly requires: readonly string[];
  /** Applies the pass to a copy of `model` (the input is not changed). */
  run(model: Model, options?: O): PassResult;
}

/** A pass with the options `fuse` gives it. */
export interface ConfiguredPass<O = unknown> {
  /** The pass, or the registered name of one. */
  pass: string | FusionPass<O>;
  options: O;
}

/** What `fuse` accepts as a pass: a registered name, a pass, or a pass with options. */
export type PassSelection = string | FusionPass | ConfiguredPass;
