/**
 * N:M semi-structured sparsity: of every M consecutive weights along a row (an output unit's
 * inputs, PyTorch's `[out, in]` layout), at most M−N are zero — 2:4 is what NVIDIA's sparse
 * tensor cores run. A target below 1 − N/M prunes the lowest-scoring of the entries that the
 * full N:M pattern would prune (so a gradual ramp ends exactly at N:M).
 *
 * @module
 */
import { PatternShapeError } from "../errors.ts";
import { elementUnit } from "./element.ts";
import type { PrunePattern, PruneUnit } from "./types.ts";

/** Options of {@link nmPattern}. */
export interface NmOptions {
  /** Entries kept of every `m`. */
  n: number;
  /** Group length along a row. */
  m: number;
}

function nmUnit(name: string, shape: readonly number[], { n, m }: NmOptions): PruneUnit {
  const base = elementUnit(name, shape);
  return {
    ...base,
    maxPruned: (base.groups / m) * (m - n),
    eligible: (scores) => {
      const out = new Uint8Array(scores.length);
      const order = new Array<number>(m);
      for (let g = 0; g < scores.length; g += m) {
        // Insertion sort of the group's indices by score (stable: ties keep the lower index);
        // a sort call with a comparator per group costs seconds on a DistilBERT-base.
        for (let j = 0; j < m; j++) {
          const x = g + j;
          let p = j - 1;
          while (p >= 0 && scores[order[p]] > scores[x]) order[p + 1] = order[p--];
          order[p + 1] = x;
        }
        for (let j = 0; j < m - n; j++) out[order[j]] = 1;
      }
      return out;
    },
  };
}

/**
 * The N:M pattern (`2:4`, `4:8` are registered); throws {@link PatternShapeError} when `m` does
 * not divide a weight's rows (its input size).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nmPattern } from "./n_m.ts";
 * import { DISTILBERT_BASE } from "../../model/config.ts";
 * const [unit] = nmPattern({ n: 2, m: 4 }).units(DISTILBERT_BASE, new Map([["w", [1, 8]]]));
 * assert.equal(unit.maxPruned, 4);
 * assert.deepEqual([...unit.eligible!(Float32Array.of(4, 3, 2, 1, 1, 2, 3, 4))], [0, 0, 1, 1, 1, 1, 0, 0]);
 * assert.throws(() => nmPattern({ n: 2, m: 4 }).units(DISTILBERT_BASE, new Map([["w", [2, 6]]])), /4 does not divide/);
 * ```
 */
export function nmPattern(options: NmOptions): PrunePattern {
  const { n, m } = options;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 2 || n >= m) {
    throw new PatternShapeError(
      `N:M pattern ${n}:${m}: N and M must be integers with 1 ≤ N < M (e.g. 2:4 or 4:8).`,
    );
  }
  const name = `${n}:${m}`;
  return {
    name,
    structured: false,
    units: (_config, prunable) =>
      [...prunable].map(([weight, shape]) => {
        const cols = shape[shape.length - 1];
        if (cols % m !== 0) {
          throw new PatternShapeError(
            `pattern ${name}: ${m} does not divide the ${cols} inputs (columns) of ${weight} ` +
              `[${shape.join(", ")}]; leave the weight out (exclude option) or pick an M that ` +
              `divides ${cols}.`,
          );
        }
        return nmUnit(weight, shape, options);
      }),
  };
}
