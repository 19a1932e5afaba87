/**
 * Progress of long work (downloads, calibration, tuning, training): a bar in a terminal, a few
 * plain lines in logs and notebooks, nothing with `WORKSHOP_PROGRESS=0`, or your own sink.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plainProgress } from "./mod.ts";
 * const lines: string[] = [];
 * const progress = plainProgress({ label: "eval", total: 3, write: (l) => lines.push(l) });
 * progress.tick(3);
 * progress.done();
 * assert.equal(lines[0], "eval: started, 3");
 * assert.match(lines[1], /^eval: done, 3 in \d+\.\d s$/);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./format.ts";
export * from "./plain.ts";
export * from "./bar.ts";
export * from "./silent.ts";
export * from "./progress.ts";
