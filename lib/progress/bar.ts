import cliProgress from "cli-progress";
import process from "node:process";
import { formatAmount } from "./format.ts";
import type { ProgressOptions, ProgressReporter } from "./types.ts";

/** Options of {@linkcode barProgress}. */
export interface BarProgressOptions extends ProgressOptions {
  /** Stream the bar is drawn on. Default: `process.stderr`. */
  stream?: NodeJS.WritableStream;
}

/**
 * A reporter that draws a bar redrawn in place with `cli-progress`, for terminals. With no total
 * it shows the amount done and the elapsed time instead of a bar.
 */
export function barProgress(options: BarProgressOptions): ProgressReporter {
  const { label, total, unit } = options;
  const known = total !== undefined && total > 0;
  const format = known
    ? `${label} [{bar}] {percentage}% | {value} / {total} | {duration_formatted} | ETA {eta_formatted}`
    : `${label} {value} | {duration_formatted}`;
  const bar = new cliProgress.SingleBar({
    format,
    stream: options.stream ?? process.stderr,
    hideCursor: true,
    barsize: 30,
    fps: 8,
    formatValue: (value: number, _options: unknown, type: string) =>
      type === "value" || type === "total" ? formatAmount(value, unit) : value,
  }, cliProgress.Presets.shades_classic);
  let value = 0;
  let finished = false;
  bar.start(known ? total : 0, 0);
  const stop = () => {
    finished = true;
    bar.stop();
  };
  return {
    tick(n = 1) {
      if (finished) return;
      value += n;
      bar.update(value);
    },
    update(next) {
      if (finished) return;
      value = next;
      bar.update(value);
    },
    done() {
      if (finished) return;
      stop();
    },
    fail(error) {
      if (finished) return;
      stop();
      const reason = error instanceof Error ? `: ${error.message}` : "";
      (options.stream ?? process.stderr).write(`${label}: failed${reason}\n`);
    },
  };
}
