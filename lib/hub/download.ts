import { withAtomicPath } from "../fs/atomic.ts";
import { type ProgressOption, type ProgressReporter, progressReporter } from "../progress/mod.ts";
import { hubCachedPath, hubCachePath } from "./cache.ts";
import { trackTemporaryFile } from "./cleanup.ts";
import { HubAbortedError, HubIncompleteDownloadError, HubOfflineError } from "./errors.ts";
import { requestHubFile } from "./request.ts";
import { type HubSettings, hubSettings } from "./settings.ts";
import { hubUrl } from "./url.ts";
import { type HubFile, type ResolvedHubFile, resolveHubFile } from "./validate.ts";

/** Options of {@linkcode hubDownload}. */
export interface HubDownloadOptions {
  /** Default: {@linkcode hubSettings} from the environment. */
  settings?: HubSettings;
  /** Progress of the transfer (see `lib/progress`). Default: on. */
  progress?: ProgressOption;
  /** Aborts the transfer; nothing is left in the cache. */
  signal?: AbortSignal;
}

/**
 * Returns the absolute path of a hub file in the cache
 * (`{cacheDir}/{models|datasets}/{repo}/{revision}/{file}`), downloading it first when it is not
 * cached. A cached file is returned without touching the network. Offline
 * (`HF_HUB_OFFLINE`), a missing file throws {@linkcode HubOfflineError}. The transfer follows
 * redirects (the token goes to the endpoint's host only), streams to `.{name}.tmp-…` in the same
 * folder, checks the size against Content-Length and renames; on any failure, abort or Ctrl+C,
 * neither the final file nor the partial one is left behind.
 *
 * Errors: {@linkcode HubNotFoundError} (404), {@linkcode HubAuthError} (401/403: set HF_TOKEN),
 * {@linkcode HubHttpError} (other statuses), {@linkcode HubNetworkError} (endpoint unreachable),
 * {@linkcode HubIncompleteDownloadError} (connection lost mid-way), {@linkcode HubAbortedError},
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
  const cached = await hubCachedPath(resolved, settings);
  if (cached !== undefined) return cached;
  const path = hubCachePath(resolved, settings);
  if (settings.offline) throw new HubOfflineError(resolved, path);
  const response = await requestHubFile(resolved, settings, { signal: options.signal });
  const progress = progressReporter(options.progress, {
    label: `${resolved.repo} ${resolved.file}`,
    total: contentLength(response.headers),
    unit: "B",
  });
  try {
    await saveResponse(resolved, hubUrl(resolved, settings), response, path, {
      progress,
      signal: options.signal,
    });
  } catch (error) {
    progress.fail(error);
    throw error;
  }
  progress.done();
  return path;
}

/** The body's length in bytes when the headers state it for the bytes as stored. */
export function contentLength(headers: Headers): number | undefined {
  const encoding = headers.get("content-encoding");
  if (encoding !== null && encoding !== "identity") return undefined;
  const value = headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/** Options of {@linkcode saveResponse}. */
export interface SaveResponseOptions {
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

/**
 * Streams a response body to `path` atomically: a partial file beside it, size checked against
 * Content-Length, renamed when complete; removed on any failure. Returns the number of bytes.
 */
export async function saveResponse(
  ref: ResolvedHubFile,
  url: string,
  response: Response,
  path: string,
  options: SaveResponseOptions = {},
): Promise<number> {
  const expected = contentLength(response.headers);
  let received = 0;
  let untrack = () => {};
  try {
    await withAtomicPath(path, async (temporaryPath) => {
      untrack = trackTemporaryFile(temporaryPath);
      const file = await Deno.open(temporaryPath, { write: true, createNew: true });
      try {
        if (response.body) {
          for await (const chunk of response.body) {
            await writeAll(file, chunk);
            received += chunk.byteLength;
            options.progress?.tick(chunk.byteLength);
          }
        }
        await file.syncData();
      } catch (error) {
        if (options.signal?.aborted) throw new HubAbortedError(ref, error);
        if (error instanceof TypeError) {
          throw new HubIncompleteDownloadError(ref, url, received, expected, error);
        }
        throw error;
      } finally {
        file.close();
      }
      if (expected !== undefined && received !== expected) {
        throw new HubIncompleteDownloadError(ref, url, received, expected);
      }
    });
  } finally {
    untrack();
  }
  return received;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) offset += await file.write(data.subarray(offset));
}
