/**
 * Types of the symbolic shape inference (`ShapeFacts` in `shape_inference.ts`).
 *
 * @module
 */

import type { Node } from "./model.ts";
import type { Tensor } from "./tensor.ts";

/** A dimension: a size, or a symbol (`"batch"`, or `"?3"` for an unknown one). */
export type SymDim = number | string;

/** What is known about one value. */
export interface ValueFacts {
  /** `DataType` code; 0 when unknown. */
  elemType: number;
  /** Dimensions when the rank is known. */
  shape?: SymDim[];
  /**
   * Elements (row-major) of a small integer tensor (at most {@link MAX_TRACKED_VALUES}), e.g. a
   * shape computed by `Shape → Gather → Concat`; symbols where only the dim's name is known.
   */
  value?: SymDim[];
}

/** Integer tensors up to this many elements have their values tracked. */
export const MAX_TRACKED_VALUES = 64;

/** What a shape rule sees of one node. */
export interface RuleContext {
  node: Node;
  /** Facts of each input (`undefined` for an omitted optional input or an unknown value). */
  inputs: (ValueFacts | undefined)[];
  /** The constant tensor behind input `i`, if it is an initializer or `Constant`. */
  constant(i: number): Tensor | undefined;
  /** A new symbol, different from every other. */
  fresh(): string;
  /** The model's default-domain opset. */
  opset: number;
}

/** Facts of a node's outputs (in order; `undefined` where nothing is known). */
export type ShapeRule = (ctx: RuleContext) => (ValueFacts | undefined)[];
