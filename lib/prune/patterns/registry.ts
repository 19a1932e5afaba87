/**
 * The pattern registry: `unstructured`, `2:4`, `4:8`, `4x1`, `1x4`, `ffn`, `head` are built in;
 * any `N:M` or `RxC` name parses to an N:M or block pattern; {@link registerPattern} adds more.
 *
 * @module
 */
import { UnknownPatternError } from "../errors.ts";
import { HEAD_PATTERN } from "./attention_head.ts";
import { blockPattern } from "./block.ts";
import { ELEMENT_PATTERN } from "./element.ts";
import { FFN_PATTERN } from "./ffn_neuron.ts";
import { nmPattern } from "./n_m.ts";
import type { PrunePattern } from "./types.ts";

const registry = new Map<string, PrunePattern>();

/**
 * Registers `pattern` under its name (replacing one of the same name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { patternNames, registerPattern } from "./registry.ts";
 * import { blockPattern } from "./block.ts";
 * registerPattern(blockPattern({ rows: 8, cols: 1 }));
 * assert.ok(patternNames().includes("8x1"));
 * ```
 */
export function registerPattern(pattern: PrunePattern): void {
  registry.set(pattern.name, pattern);
}

for (
  const p of [
    ELEMENT_PATTERN,
    nmPattern({ n: 2, m: 4 }),
    nmPattern({ n: 4, m: 8 }),
    blockPattern({ rows: 4, cols: 1 }),
    blockPattern({ rows: 1, cols: 4 }),
    FFN_PATTERN,
    HEAD_PATTERN,
  ]
) registerPattern(p);

/** The registered pattern names. */
export function patternNames(): string[] {
  return [...registry.keys()];
}

/**
 * The pattern named `name` (registered, or parsed from `N:M` / `RxC`); throws
 * {@link UnknownPatternError} listing the names otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { patternByName } from "./registry.ts";
 * assert.equal(patternByName("2:4").name, "2:4");
 * assert.equal(patternByName("2x2").name, "2x2");
 * assert.throws(() => patternByName("diagonal"), /unstructured/);
 * ```
 */
export function patternByName(name: string): PrunePattern {
  const found = registry.get(name);
  if (found) return found;
  const nm = /^(\d+):(\d+)$/.exec(name);
  if (nm) return nmPattern({ n: Number(nm[1]), m: Number(nm[2]) });
  const block = /^(\d+)x(\d+)$/.exec(name);
  if (block) return blockPattern({ rows: Number(block[1]), cols: Number(block[2]) });
  throw new UnknownPatternError(
    `pattern: no pattern is named ${JSON.stringify(name)}; use one of ${
      patternNames().join(", ")
    }, any N:M or RxC block, or register yours with registerPattern.`,
  );
}
