import { readFileSync } from "node:fs";

/**
 * Resident memory of this process in bytes: `current` now, `peak` the high-water mark since the
 * process started (Linux `VmHWM`; elsewhere the current value, as no peak is exposed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { residentMemory } from "./memory.ts";
 * const m = residentMemory();
 * assert.ok(m.current > 0 && m.peak >= m.current);
 * ```
 */
export function residentMemory(): { current: number; peak: number } {
  const current = Deno.memoryUsage().rss;
  return { current, peak: Math.max(current, linuxStatusBytes("VmHWM") ?? 0) };
}

function linuxStatusBytes(field: string): number | undefined {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
