import { hubCachedPath } from "./cache.ts";
import { HubNotFoundError } from "./errors.ts";
import { requestHubFile } from "./request.ts";
import { type HubRetryOptions, withHubRetries } from "./retry.ts";
import { type HubSettings, hubSettings } from "./settings.ts";
import { type HubFile, resolveHubFile } from "./validate.ts";

/** Options of {@linkcode hubFileExists}. */
export interface HubFileExistsOptions {
  /** Default: {@linkcode hubSettings} from the environment. */
  settings?: HubSettings;
  signal?: AbortSignal;
  /** Retries on 5xx, 429 and resets (see `lib/hub/retry.ts`). Default: 4 tries. */
  retry?: HubRetryOptions;
}

/**
 * Whether a repo has a file, e.g. to choose between `onnx/model.onnx`, `model.safetensors` and
 * `pytorch_model.bin`: true when cached; offline, false when not cached; otherwise a HEAD request
 * (redirects followed): 2xx → true, 404 → false, 401/403 → {@linkcode HubAuthError}, other
 * statuses → {@linkcode HubHttpError}, unreachable → {@linkcode HubNetworkError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubFileExists } from "./exists.ts";
 * const cacheDir = await Deno.makeTempDir();
 * const settings = { endpoint: "https://huggingface.co", offline: true, cacheDir };
 * assert.equal(await hubFileExists({ repo: "org/name", file: "model.safetensors" }, { settings }), false);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export async function hubFileExists(
  ref: HubFile,
  options: HubFileExistsOptions = {},
): Promise<boolean> {
  const settings = options.settings ?? hubSettings();
  const resolved = resolveHubFile(ref);
  if (await hubCachedPath(resolved, settings) !== undefined) return true;
  if (settings.offline) return false;
  try {
    const { response } = await withHubRetries(
      () => requestHubFile(resolved, settings, { method: "HEAD", signal: options.signal }),
      { retry: options.retry, signal: options.signal },
    );
    await response.body?.cancel();
    return true;
  } catch (error) {
    if (error instanceof HubNotFoundError) return false;
    throw error;
  }
}
