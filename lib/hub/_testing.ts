/**
 * Helpers shared by the hub module's tests (not part of the public API).
 *
 * @module
 */
import { join, relative } from "node:path";
import type { ProgressOptions, ProgressReporterFactory } from "../progress/mod.ts";
import type { HubServer } from "../../tests/support/hub_server.ts";

import { STANDINS } from "../../tests/support/mirror.ts";

export { withHub } from "../../tests/support/with_hub.ts";

/** The hub's model with tokenizer.json and ONNX (stand-in or fixture, see tests/support). */
export const MINI: string = STANDINS.mini;
/** The hub's vocab-only model with a legacy pytorch_model.bin. */
export const TINY_BIN: string = STANDINS.tiny;

/** Every file below `dir` (hidden and partial ones included), as sorted relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(folder: string) {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else found.push(relative(dir, path));
    }
  }
  try {
    await walk(dir);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

/** Hex SHA-256 of a file. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The mirror's copy of a model file. */
export function mirrorFile(server: HubServer, repo: string, file: string): string {
  return join(server.root, ...repo.split("/"), "resolve", "main", ...file.split("/"));
}

/** What a recording progress factory saw. */
export interface ProgressRecord {
  options: ProgressOptions;
  ticked: number;
  ticks: number;
  done: number;
  failed: unknown[];
}

/** A progress factory that records every call. */
export function recordingProgress(): {
  factory: ProgressReporterFactory;
  records: ProgressRecord[];
} {
  const records: ProgressRecord[] = [];
  const factory: ProgressReporterFactory = (options) => {
    const record: ProgressRecord = { options, ticked: 0, ticks: 0, done: 0, failed: [] };
    records.push(record);
    return {
      tick(n = 1) {
        record.ticked += n;
        record.ticks++;
      },
      update(value) {
        record.ticked = value;
      },
      done() {
        record.done++;
      },
      fail(error) {
        record.failed.push(error);
      },
    };
  };
  return { factory, records };
}

/** A loopback port on which nothing listens. */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits until `check` returns true (polling every 10 ms, at most `timeoutMs`). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
