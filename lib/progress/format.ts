const BYTE_UNITS = ["B", "kB", "MB", "GB", "TB"];

/**
 * Formats a byte count in decimal units, as the Hugging Face hub shows file sizes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "./format.ts";
 * assert.equal(formatBytes(512), "512 B");
 * assert.equal(formatBytes(44_778_193), "44.8 MB");
 * ```
 */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/**
 * Formats a duration in milliseconds for a log line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./format.ts";
 * assert.equal(formatDuration(3_240), "3.2 s");
 * assert.equal(formatDuration(125_000), "2 min 05 s");
 * ```
 */
export function formatDuration(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const rest = whole % 60;
  if (minutes < 60) return `${minutes} min ${String(rest).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/**
 * Formats an amount of work in the reporter's unit: human sizes for `"B"`, else the number
 * followed by the unit when there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatAmount } from "./format.ts";
 * assert.equal(formatAmount(2_500, "B"), "2.50 kB");
 * assert.equal(formatAmount(12, "batches"), "12 batches");
 * assert.equal(formatAmount(12), "12");
 * ```
 */
export function formatAmount(value: number, unit?: string): string {
  if (unit === "B") return formatBytes(value);
  const text = Number.isInteger(value) ? String(value) : value.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}

/**
 * Formats `value` out of `total` in the reporter's unit (`4.00 MB / 44.8 MB`, `3/40 batches`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProgressAmount } from "./format.ts";
 * assert.equal(formatProgressAmount(3, 40, "batches"), "3/40 batches");
 * assert.equal(formatProgressAmount(4_000_000, 44_778_193, "B"), "4.00 MB / 44.8 MB");
 * ```
 */
export function formatProgressAmount(
  value: number,
  total: number | undefined,
  unit?: string,
): string {
  if (total === undefined) return formatAmount(value, unit);
  if (unit === "B") return `${formatBytes(value)} / ${formatBytes(total)}`;
  return `${formatAmount(value)}/${formatAmount(total, unit)}`;
}
