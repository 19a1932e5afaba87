/**
 * What a pruning pattern (a granularity) is: it splits the prunable weights into *units* (the
 * sets that share one sparsity target, e.g. one weight matrix, or one layer's FFN), each made of
 * equal *groups* that are kept or pruned whole (an element, a block, an FFN unit, a head).
 *
 * @module
 */
import type { Tensor, Tensor1D } from "@tensorflow/tfjs";
import type { DistilBertConfig } from "../../model/config.ts";
import type { MaskSet } from "../mask.ts";

/** One set of groups sharing a sparsity target (layer-wise targets apply per unit). */
export interface PruneUnit {
  /** A weight name, or a layer's part, e.g. `distilbert.transformer.layer.0.ffn`. */
  readonly name: string;
  /** The weights whose masks this unit writes, with their PyTorch shapes. */
  readonly weights: ReadonlyMap<string, readonly number[]>;
  /** Number of groups. */
  readonly groups: number;
  /** Entries of one group, across its weights. */
  readonly groupSize: number;
  /** The most groups that may be pruned (e.g. all but one head; N:M: M−N of every M). */
  readonly maxPruned: number;
  /** A group's score: the sum of its entries' scores (entries of weights without scores add 0). */
  groupScores(scores: ReadonlyMap<string, Float32Array>): Float32Array;
  /** Groups that may be pruned given the group scores (absent: all). */
  eligible?(groupScores: Float32Array): Uint8Array;
  /** Zeroes, in `masks` (which holds a mask for each of {@link weights}), the groups with keep 0. */
  applyKeep(keep: Uint8Array, masks: MaskSet): void;
  /** Each group's sum of squared weights, built with tfjs ops (for an L2,1 penalty). */
  groupSquares(weight: (name: string) => Tensor): Tensor1D;
}

/** A granularity: turns the prunable weights into units. */
export interface PrunePattern {
  /** Registry name, e.g. `unstructured`, `2:4`, `4x1`, `ffn`, `head`. */
  readonly name: string;
  /** Whether groups are whole FFN units or heads (the graph can then shrink). */
  readonly structured: boolean;
  /**
   * The units over `prunable` (name → shape, see `prunableWeights`); throws
   * `PatternShapeError` when a group does not divide a weight's shape.
   */
  units(config: DistilBertConfig, prunable: ReadonlyMap<string, readonly number[]>): PruneUnit[];
}
