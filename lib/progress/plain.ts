import { formatAmount, formatDuration, formatProgressAmount } from "./format.ts";
import type { ProgressOptions, ProgressReporter } from "./types.ts";

/** Options of {@linkcode plainProgress}: where lines go, the clock, and how often they come. */
export interface PlainProgressOptions extends ProgressOptions {
  /** Receives each line, without a trailing newline. Default: `console.error`. */
  write?: (line: string) => void;
  /** Clock in milliseconds. Default: `performance.now`. */
  now?: () => number;
  /** Least time between two progress lines. Default: 2,000 ms. */
  minIntervalMs?: number;
  /** With no total, time between two progress lines. Default: 10,000 ms. */
  heartbeatMs?: number;
}

/**
 * A reporter that prints plain lines, for logs and notebook cells where a redrawn bar would
 * become hundreds of lines: one at the start, one each time another 10% is done (at most one every
 * `minIntervalMs`; one every `heartbeatMs` when the total is unknown), and one at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plainProgress } from "./plain.ts";
 * const lines: string[] = [];
 * let clock = 0;
 * const progress = plainProgress({
 *   label: "model.onnx", total: 1_000_000, unit: "B",
 *   write: (line) => lines.push(line), now: () => clock,
 * });
 * for (let i = 0; i < 10; i++) {
 *   clock += 2_000;
 *   progress.tick(100_000);
 * }
 * progress.done();
 * assert.equal(lines.length, 11);
 * assert.equal(lines[0], "model.onnx: started, 1.00 MB");
 * assert.equal(lines[1], "model.onnx: 10% (100 kB / 1.00 MB), 50.0 kB/s");
 * assert.equal(lines[10], "model.onnx: done, 1.00 MB in 20.0 s (50.0 kB/s)");
 * ```
 */
export function plainProgress(options: PlainProgressOptions): ProgressReporter {
  const { label, total, unit } = options;
  const write = options.write ?? ((line: string) => console.error(line));
  const now = options.now ?? (() => performance.now());
  const minIntervalMs = options.minIntervalMs ?? 2_000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const start = now();
  let value = 0;
  let lastLineAt = start;
  let lastDecile = 0;
  let finished = false;

  const rate = (elapsed: number) =>
    elapsed > 0 ? `${formatAmount((value * 1000) / elapsed, unit)}/s` : undefined;

  const maybeWrite = () => {
    const at = now();
    if (at - lastLineAt < minIntervalMs) return;
    const speed = rate(at - start);
    if (total !== undefined && total > 0) {
      const decile = Math.floor((10 * value) / total);
      if (decile <= lastDecile || decile >= 10) return;
      lastDecile = decile;
      const amount = formatProgressAmount(value, total, unit);
      write(`${label}: ${decile * 10}% (${amount})${speed ? `, ${speed}` : ""}`);
    } else {
      if (at - lastLineAt < heartbeatMs) return;
      write(`${label}: ${formatAmount(value, unit)}${speed ? `, ${speed}` : ""}`);
    }
    lastLineAt = at;
  };

  write(`${label}: started${total !== undefined ? `, ${formatAmount(total, unit)}` : ""}`);
  return {
    tick(n = 1) {
      if (finished) return;
      value += n;
      maybeWrite();
    },
    update(next) {
      if (finished) return;
      value = next;
      maybeWrite();
    },
    done() {
      if (finished) return;
      finished = true;
      const elapsed = now() - start;
      const amount = value > 0 || total === undefined ? value : total;
      const speed = unit === "B" && value > 0 ? rate(elapsed) : undefined;
      write(
        `${label}: done, ${formatAmount(amount, unit)} in ${formatDuration(elapsed)}` +
          (speed ? ` (${speed})` : ""),
      );
    },
    fail(error) {
      if (finished) return;
      finished = true;
      const percent = total ? ` at ${Math.floor((100 * value) / total)}%` : "";
      const reason = error === undefined
        ? ""
        : `: ${error instanceof Error ? error.message : String(error)}`;
      write(
        `${label}: failed${percent} (${formatProgressAmount(value, total, unit)}) after ${
          formatDuration(now() - start)
        }${reason}`,
      );
    },
  };
}
