import { env } from "@huggingface/transformers";
import { join } from "node:path";
import type { ProgressReporter } from "../progress/mod.ts";
import { hubCachedPath, hubCachePath, hubIntegrityPath } from "./cache.ts";
import { saveResponse } from "./download.ts";
import { fetchFollowingRedirects } from "./http.ts";
import { type HubSettings, hubSettings } from "./settings.ts";
import { type ResolvedHubFile, resolveHubFile } from "./validate.ts";

/** The `env` object of `@huggingface/transformers`. */
export type TransformersEnv = typeof env;

/**
 * The hub file a URL of the hub's layout points to, or `undefined` when the URL is not one
 * (another host, another layout, or names the validation refuses). The inverse of `hubUrl`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHubUrl } from "./transformers.ts";
 * const endpoint = "https://huggingface.co";
 * assert.deepEqual(parseHubUrl(`${endpoint}/org/name/resolve/main/onnx/model.onnx`, { endpoint }), {
 *   repo: "org/name", file: "onnx/model.onnx", revision: "main", repoType: "model",
 * });
 * assert.equal(parseHubUrl("https://example.org/org/name/resolve/main/x", { endpoint }), undefined);
 * ```
 */
export function parseHubUrl(
  url: string,
  settings: Pick<HubSettings, "endpoint">,
): ResolvedHubFile | undefined {
  const prefix = `${settings.endpoint.replace(/\/+$/, "")}/`;
  if (!url.startsWith(prefix)) return undefined;
  let rest = url.slice(prefix.length).split(/[?#]/)[0];
  let repoType: ResolvedHubFile["repoType"] = "model";
  if (rest.startsWith("datasets/")) {
    repoType = "dataset";
    rest = rest.slice("datasets/".length);
  }
  const at = rest.indexOf("/resolve/");
  if (at < 0) return undefined;
  const [revision, ...file] = rest.slice(at + "/resolve/".length).split("/");
  try {
    const decode = (part: string) => part.split("/").map(decodeURIComponent).join("/");
    return resolveHubFile({
      repo: decode(rest.slice(0, at)),
      revision: decodeURIComponent(revision),
      file: decode(file.join("/")),
      repoType,
    });
  } catch {
    return undefined;
  }
}

/** The part of transformers.js's cache interface (`env.customCache`) the kit implements. */
export interface TransformersCache {
  match(request: string): Promise<Response | undefined>;
  put(
    request: string,
    response: Response,
    progress?: (data: { progress: number; loaded: number; total: number }) => void,
  ): Promise<void>;
}

/** A file body opened only when read, so a response whose body is never read holds no handle. */
function lazyFileBody(path: string): ReadableStream<Uint8Array> {
  let file: Deno.FsFile | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      file ??= await Deno.open(path, { read: true });
      const buffer = new Uint8Array(256 * 1024);
      const read = await file.read(buffer);
      if (read === null) {
        file.close();
        controller.close();
      } else {
        controller.enqueue(buffer.subarray(0, read));
      }
    },
    cancel() {
      file?.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * A cache for transformers.js (`env.customCache`) backed by this module's cache layout: a
 * request for `{endpoint}/{repo}/resolve/{revision}/{file}` is answered from
 * `hubCachePath` (`{cacheDir}/models--{org}--{name}/snapshots/{revision}/{file}`), and what transformers.js downloads is written
 * there atomically. Files fetched by `hubDownload` and by transformers.js are thus shared, and
 * work offline. Requests for other URLs are not cached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transformersCache } from "./transformers.ts";
 * const cacheDir = await Deno.makeTempDir();
 * const endpoint = "https://huggingface.co";
 * const cache = transformersCache({ endpoint, cacheDir });
 * const url = `${endpoint}/org/name/resolve/main/config.json`;
 * assert.equal(await cache.match(url), undefined);
 * await cache.put(url, new Response('{"dim":4}', { headers: { "content-length": "9" } }));
 * assert.equal(await (await cache.match(url))!.text(), '{"dim":4}');
 * assert.ok((await Deno.stat(`${cacheDir}/models--org--name/snapshots/main/config.json`)).isFile);
 * await Deno.remove(cacheDir, { recursive: true });
 * ```
 */
export function transformersCache(
  settings: Pick<HubSettings, "endpoint" | "cacheDir">,
): TransformersCache {
  return {
    async match(request) {
      const ref = parseHubUrl(String(request), settings);
      if (ref === undefined) return undefined;
      const path = await hubCachedPath(ref, settings);
      if (path === undefined) return undefined;
      const { size } = await Deno.stat(path);
      return new Response(lazyFileBody(path), {
        headers: { "content-length": String(size), "content-type": "application/octet-stream" },
      });
    },
    async put(request, response, progress) {
      const ref = parseHubUrl(String(request), settings);
      if (ref === undefined) {
        await response.body?.cancel();
        return;
      }
      const total = Number(response.headers.get("content-length") ?? 0);
      let loaded = 0;
      const reporter: ProgressReporter = {
        tick(n = 1) {
          loaded += n;
          progress?.({ progress: total ? (100 * loaded) / total : 0, loaded, total });
        },
        update() {},
        done() {},
        fail() {},
      };
      await saveResponse(ref, String(request), response, hubCachePath(ref, settings), {
        progress: reporter,
        integrityPath: hubIntegrityPath(ref, settings),
      });
    },
  };
}

/**
 * Makes `@huggingface/transformers` (4.3.1) agree with these settings, and returns its `env`:
 *
 * - `remoteHost = endpoint + "/"`, `remotePathTemplate = "{model}/resolve/{revision}/"` (the
 *   hub's layout, which a mirror in `HF_ENDPOINT` also follows);
 * - `allowRemoteModels = !offline`; `allowLocalModels = true`, so a local folder given as an
 *   absolute path (e.g. `hubSnapshotDir(...)`) still loads;
 * - `customCache` = {@linkcode transformersCache}: transformers.js looks models up in our cache
 *   layout and stores what it downloads there. Our layout cannot be used through
 *   `localModelPath`, because transformers.js looks for `{localModelPath}/{repo}/{file}`
 *   without the revision; `localModelPath` is left as it is.
 * - `useBrowserCache = false`: in Deno transformers.js otherwise picks Deno's Cache API
 *   (`caches` exists), which stores files outside the project, out of our control;
 *   `cacheDir = {cacheDir}/transformers/` so its own file cache, if re-enabled, stays inside ours.
 * - `fetch`: transformers.js sends `HF_TOKEN` only to huggingface.co; the replacement follows
 *   redirects itself and sends `settings.token` to the endpoint's origin, never to another host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { configureTransformers } from "./transformers.ts";
 * const env = configureTransformers({ endpoint: "http://127.0.0.1:9", offline: true, cacheDir: "/tmp/hub" });
 * assert.equal(env.remoteHost, "http://127.0.0.1:9/");
 * assert.equal(env.allowRemoteModels, false);
 * assert.equal(env.cacheDir, "/tmp/hub/transformers/");
 * ```
 */
export function configureTransformers(settings: HubSettings = hubSettings()): TransformersEnv {
  env.remoteHost = `${settings.endpoint.replace(/\/+$/, "")}/`;
  env.remotePathTemplate = "{model}/resolve/{revision}/";
  env.allowRemoteModels = !settings.offline;
  env.allowLocalModels = true;
  env.useBrowserCache = false;
  env.useFSCache = true;
  env.cacheDir = `${join(settings.cacheDir, "transformers")}/`;
  env.useCustomCache = true;
  env.customCache = transformersCache(settings);
  env.fetch = (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    const { method, headers, signal, redirect: _redirect, ...rest } = init ?? {};
    return fetchFollowingRedirects(url, {
      endpoint: settings.endpoint,
      token: settings.token,
      method,
      headers: headers ?? (input instanceof Request ? input.headers : undefined),
      signal: signal ?? undefined,
      init: rest,
    });
  };
  return env;
}
