import { withAtomicPath } from "../fs/atomic.ts";
import { type ProgressOption, type ProgressReporter, progressReporter } from "../progress/mod.ts";
import { hubCachedPath, hubCachePath, hubIntegrityPath } from "./cache.ts";
import { removeOnInterrupt } from "../fs/mod.ts";
import { contentProblem } from "./content_check.ts";
import { contentLength } from "./content_length.ts";
import {
  HubAbortedError,
  HubCorruptDownloadError,
  HubIncompleteDownloadError,
  HubOfflineError,
} from "./errors.ts";
import {
  digestProblem,
  DownloadHasher,
  expectationFromHeaders,
  type HubFileExpectation,
  writeIntegrityRecord,
} from "./integrity.ts";
import { requestHubFile } from "./request.ts";
import { type HubRetryOptions, withHubRetries } from "./retry.ts";
import { type HubSettings, hubSettings } from "./settings.ts";
import { sweepCacheOnce } from "./sweep.ts";
import { hubUrl } from "./url.ts";
import { type HubFile, type ResolvedHubFile, resolveHubFile } from "./validate.ts";

export { contentLength };

/** Options of {@linkcode hubDownload}. */
export interface HubDownloadOptions {
  /** Default: {@linkcode hubSettings} from the environment. */
  settings?: HubSettings;
  /** Progress of the transfer (see `lib/progress`). Default: on. */
  progress?: ProgressOption;
  /** Aborts the transfer; nothing is left in the cache. */
  signal?: AbortSignal;
  /** Retries on 5xx, 429, resets and bad bodies (see `lib/hub/retry.ts`). Default: 4 tries. */
  retry?: HubRetryOptions;
}

/**
 * Returns the absolute path of a hub file in the cache
 * (`{cacheDir}/{models|datasets}--{org}--{name}/snapshots/{revision}/{file}`), downloading it first
 * when it is not cached. A cached file is returned without touching the network. Offline
 * (`HF_HUB_OFFLINE`), a missing file throws {@linkcode HubOfflineError}. The transfer follows
 * redirects (the token goes to the endpoint's host only) and streams to `.{name}.tmp-…` in the
 * same folder; before the rename the file is verified: its size against `X-Linked-Size` or
 * Content-Length, its SHA-256 against the hub's `X-Linked-Etag`/`ETag` (or its git blob id against
 * the `ETag` of a small file), and its content against its name (no HTML page, JSON that parses,
 * whole parquet/safetensors/ONNX/zip files). The verified size and SHA-256 are recorded for
 * `deno task cache verify`. 5xx answers, 429 (after `Retry-After`), resets and bad bodies are
 * retried with backoff (`options.retry`). On any failure, abort or Ctrl+C, neither the final file
 * nor the partial one is left behind. The first call of a process also removes partial files that
 * killed runs left in the cache more than an hour ago.
 *
 * Errors: {@linkcode HubNotFoundError} (404), {@linkcode HubAuthError} (401/403: set HF_TOKEN),
 * {@linkcode HubHttpError} (other statuses), {@linkcode HubNetworkError} (endpoint unreachable),
 * {@linkcode HubIncompleteDownloadError} (connection lost mid-way),
 * {@linkcode HubCorruptDownloadError} (wrong hash, size or content), {@linkcode HubAbortedError},
 * and the validation errors of {@linkcode resolveHubFile}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubDownload, HubOfflineError } from "./mod.ts";
 * const cacheDir = await Deno.makeTempDir();
 * const settings = { endpoint: "https://huggingface.co", offline: true, cacheDir };
 * await assert.rejects(
 *   hubDownload({ repo: "standin/distilbert-mini-uncased-mrpc", file: "config.json" }, { settings }),
 *   HubOfflineError,
 * );
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function hubDownload(ref: HubFile, options: HubDownloadOptions = {}): Promise<string> {
  const settings = options.settings ?? hubSettings();
  const resolved = resolveHubFile(ref);
  await sweepCacheOnce(settings.cacheDir);
  const cached = await hubCachedPath(resolved, settings);
  if (cached !== undefined) return cached;
  const path = hubCachePath(resolved, settings);
  if (settings.offline) throw new HubOfflineError(resolved, path);
  return await withHubRetries(
    () => downloadOnce(resolved, settings, path, options),
    { retry: options.retry, signal: options.signal },
  );
}

async function downloadOnce(
  resolved: ResolvedHubFile,
  settings: HubSettings,
  path: string,
  options: HubDownloadOptions,
): Promise<string> {
  const { response, expected } = await requestHubFile(resolved, settings, {
    signal: options.signal,
  });
  const progress = progressReporter(options.progress, {
    label: `${resolved.repo} ${resolved.file}`,
    total: expected.size,
    unit: "B",
  });
  try {
    await saveResponse(resolved, hubUrl(resolved, settings), response, path, {
      progress,
      signal: options.signal,
      expected,
      integrityPath: hubIntegrityPath(resolved, settings),
    });
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done();
  return path;
}

/** Options of {@linkcode saveResponse}. */
export interface SaveResponseOptions {
  progress?: ProgressReporter;
  signal?: AbortSignal;
  /** What the server announced (default: Content-Length of `response` only). */
  expected?: HubFileExpectation;
  /** Where to record the verified size and SHA-256 (none when absent). */
  integrityPath?: string;
}

/**
 * Streams a response body to `path` atomically: a partial file beside it, verified (size, hashes
 * and content, see {@linkcode hubDownload}), renamed when complete; removed on any failure.
 * Returns the number of bytes.
 */
export async function saveResponse(
  ref: ResolvedHubFile,
  url: string,
  response: Response,
  path: string,
  options: SaveResponseOptions = {},
): Promise<number> {
  const expected = options.expected ??
    expectationFromHeaders({ hops: [], final: response.headers, finalFromEndpoint: false });
  const type = response.headers.get("content-type") ?? "";
  if (/^text\/html\b/i.test(type) && !/\.html?$/i.test(ref.file)) {
    await response.body?.cancel();
    throw new HubCorruptDownloadError(
      ref,
      url,
      `the server sent an HTML page (Content-Type ${type}) instead of the file`,
      false,
    );
  }
  const hasher = new DownloadHasher(expected.size);
  let received = 0;
  let untrack = () => {};
  try {
    await withAtomicPath(path, async (temporaryPath) => {
      untrack = removeOnInterrupt(temporaryPath);
      const file = await Deno.open(temporaryPath, { write: true, createNew: true });
      try {
        if (response.body) {
          for await (const chunk of response.body) {
            await writeAll(file, chunk);
            hasher.update(chunk);
            received += chunk.byteLength;
            options.progress?.tick(chunk.byteLength);
          }
        }
        await file.syncData();
      } catch (error) {
        if (options.signal?.aborted) throw new HubAbortedError(ref, error);
        if (error instanceof TypeError) {
          throw new HubIncompleteDownloadError(ref, url, received, expected.size, error);
        }
        throw error;
      } finally {
        file.close();
      }
      await verifyDownload({ ref, url, temporaryPath, received, expected, hasher, options });
    });
  } finally {
    untrack();
  }
  return received;
}

async function verifyDownload(args: {
  ref: ResolvedHubFile;
  url: string;
  temporaryPath: string;
  received: number;
  expected: HubFileExpectation;
  hasher: DownloadHasher;
  options: SaveResponseOptions;
}): Promise<void> {
  const { ref, url, temporaryPath, received, expected, hasher, options } = args;
  if (expected.size !== undefined && received !== expected.size) {
    if (received < expected.size) {
      throw new HubIncompleteDownloadError(ref, url, received, expected.size);
    }
    throw new HubCorruptDownloadError(
      ref,
      url,
      `it has ${received} bytes, the hub announced ${expected.size} (${expected.sources[0]})`,
    );
  }
  const digest = hasher.digest();
  const mismatch = digestProblem(expected, digest);
  if (mismatch) throw new HubCorruptDownloadError(ref, url, mismatch);
  const problem = await contentProblem(temporaryPath, ref.file);
  if (problem) throw new HubCorruptDownloadError(ref, url, problem, !problem.includes("HTML"));
  if (options.integrityPath) {
    await writeIntegrityRecord(options.integrityPath, {
      file: ref.file,
      size: received,
      sha256: digest.sha256,
      checked: [...expected.sources, "content"],
    });
  }
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) offset += await file.write(data.subarray(offset));
}
