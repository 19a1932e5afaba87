/**
 * Trials cached by content: the key is the SHA-256 of the candidate model's bytes, the canonical
 * JSON of its configuration and the FP32 baseline's scores (a different evaluation set gives a
 * different baseline), and the entry is the trial's measures, one JSON file per key in a folder,
 * written atomically. A re-run with a larger budget replays the cached trials in an instant and
 * continues where the last run stopped.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/mod.ts";

/** What a cache entry keeps of a trial. */
export interface CachedMeasures {
  accuracy: number;
  f1?: number;
  agreement?: number;
  metrics: Record<string, number>;
  latencyMs?: number;
}

/**
 * JSON with object keys sorted at every level (arrays keep their order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalJson } from "./trial_cache.ts";
 * assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * A folder of cached trial measures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TrialCache } from "./trial_cache.ts";
 * const cache = new TrialCache(await Deno.makeTempDir());
 * const key = cache.key(new Uint8Array([1, 2]), { recipe: "a" }, { accuracy: 0.8 });
 * assert.equal(await cache.get(key), undefined);
 * await cache.put(key, { accuracy: 0.7, metrics: { accuracy: 0.7 } });
 * assert.equal((await cache.get(key))!.accuracy, 0.7);
 * assert.notEqual(cache.key(new Uint8Array([1, 3]), { recipe: "a" }, { accuracy: 0.8 }), key);
 * ```
 */
export class TrialCache {
  /** Hits and misses so far. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(readonly dir: string) {}

  /** SHA-256 (hex) of the model bytes, the canonical config JSON and the baseline's scores. */
  key(bytes: Uint8Array, config: unknown, baseline: unknown): string {
    return createHash("sha256").update(bytes).update("\0").update(canonicalJson(config))
      .update("\0").update(canonicalJson(baseline)).digest("hex");
  }

  /** The cached measures of `key`, or undefined. */
  async get(key: string): Promise<CachedMeasures | undefined> {
    try {
      const entry = JSON.parse(await readFile(join(this.dir, `${key}.json`), "utf8"));
      if (typeof entry?.accuracy !== "number") throw new Error("no accuracy");
      this.stats.hits++;
      return entry as CachedMeasures;
    } catch {
      this.stats.misses++;
      return undefined;
    }
  }

  /** Stores `measures` under `key` (atomically). */
  async put(key: string, measures: CachedMeasures): Promise<void> {
    await writeFileAtomic(join(this.dir, `${key}.json`), JSON.stringify(measures) + "\n");
  }
}
