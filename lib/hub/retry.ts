import {
  HubCorruptDownloadError,
  HubHttpError,
  HubIncompleteDownloadError,
  HubNetworkError,
} from "./errors.ts";

/** How often and how patiently a hub request is retried. */
export interface HubRetryOptions {
  /** Tries in all, the first included. Default 4; 1 turns retries off. */
  attempts?: number;
  /** Wait before the first retry, doubled for each further one. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait between tries (backoff). Default 8 s. */
  maxDelayMs?: number;
  /** Longest `Retry-After` honoured; a longer one fails at once. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Called before each wait (default: a line on stderr). */
  onRetry?: (info: { error: Error; attempt: number; attempts: number; delayMs: number }) => void;
}

const RESET = /reset|closed before|broken pipe|incomplete message|unexpected eof|body from conn/i;

function causeText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 5; e = e.cause) {
    parts.push(e.message);
  }
  return parts.join(" ");
}

/**
 * The wait before retrying after `error` on try number `attempt` (1-based), or `undefined` when
 * the error is not worth retrying: 5xx answers, 429 (after its `Retry-After`), connections reset
 * or cut mid-body, and downloads whose size or hash came out wrong are retried; 404, 401/403,
 * unreachable endpoints (refused, DNS), HTML pages and aborts are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HubHttpError } from "./errors.ts";
 * import { retryDelay } from "./retry.ts";
 * const ref = { repo: "a/b", file: "config.json", revision: "main", repoType: "model" as const };
 * assert.equal(retryDelay(new HubHttpError(ref, 503, "u", "busy"), 2), 1000);
 * assert.equal(retryDelay(new HubHttpError(ref, 429, "u", "slow down", 3000), 1), 3000);
 * assert.equal(retryDelay(new HubHttpError(ref, 400, "u", "bad"), 1), undefined);
 * ```
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  options: HubRetryOptions = {},
): number | undefined {
  const backoff = Math.min(
    options.maxDelayMs ?? 8000,
    (options.baseDelayMs ?? 500) * 2 ** (attempt - 1),
  );
  if (error instanceof HubHttpError) {
    if (error.status !== 429 && error.status < 500) return undefined;
    if (error.retryAfterMs === undefined) return backoff;
    return error.retryAfterMs <= (options.maxRetryAfterMs ?? 60_000)
      ? error.retryAfterMs
      : undefined;
  }
  if (error instanceof HubIncompleteDownloadError) return backoff;
  if (error instanceof HubCorruptDownloadError) return error.transient ? backoff : undefined;
  if (error instanceof HubNetworkError && RESET.test(causeText(error.cause))) return backoff;
  return undefined;
}

/**
 * Runs `task` until it succeeds, fails with an error {@linkcode retryDelay} does not retry, or
 * the tries run out (then the last error is thrown). Waits end early when `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HubHttpError } from "./errors.ts";
 * import { withHubRetries } from "./retry.ts";
 * const ref = { repo: "a/b", file: "config.json", revision: "main", repoType: "model" as const };
 * let calls = 0;
 * const value = await withHubRetries(() => {
 *   if (++calls < 3) throw new HubHttpError(ref, 502, "u", "bad gateway");
 *   return Promise.resolve("ok");
 * }, { retry: { baseDelayMs: 1, onRetry() {} } });
 * assert.deepEqual([value, calls], ["ok", 3]);
 * ```
 */
export async function withHubRetries<T>(
  task: () => Promise<T>,
  options: { retry?: HubRetryOptions; signal?: AbortSignal } = {},
): Promise<T> {
  const retry = options.retry ?? {};
  const attempts = Math.max(1, retry.attempts ?? 4);
  for (let attempt = 1;; attempt++) {
    try {
      return await task();
    } catch (error) {
      const delayMs = attempt < attempts && !options.signal?.aborted
        ? retryDelay(error, attempt, retry)
        : undefined;
      if (delayMs === undefined) throw error;
      const info = { error: error as Error, attempt, attempts, delayMs };
      if (retry.onRetry) retry.onRetry(info);
      else {
        console.error(
          `hub: ${(error as Error).name} (${(error as Error).message.slice(0, 160)}…); ` +
            `retrying in ${(delayMs / 1000).toFixed(1)} s (try ${attempt + 1} of ${attempts})`,
        );
      }
      await sleep(delayMs, options.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
