import { join, resolve } from "node:path";
import {
  type EnvironmentReader,
  isTruthyFlag,
  processEnvironment,
  trimmedReader,
} from "./environment.ts";
import { InvalidHubEndpointError } from "./errors.ts";
import { projectRoot } from "./project_root.ts";

/** Where files come from and where they are kept. */
export interface HubSettings {
  /** Base URL of the hub or of a mirror in its layout, without a trailing slash. */
  endpoint: string;
  /** Access token sent as `Authorization: Bearer` to the endpoint's host (never to redirects elsewhere). */
  token?: string;
  /** When true, nothing is fetched: only cached files are used. */
  offline: boolean;
  /** Absolute path of the cache folder. */
  cacheDir: string;
}

/** The public Hugging Face hub. */
export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

/** The default cache folder: `<project root>/data/cache/hub` (git-ignored). */
export function defaultHubCacheDir(): string {
  return join(projectRoot(), "data", "cache", "hub");
}

/**
 * Normalizes an endpoint: checks it is an http(s) URL and removes trailing slashes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeEndpoint } from "./hub_settings.ts";
 * assert.equal(normalizeEndpoint("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
 * assert.throws(() => normalizeEndpoint("ftp://example.org"), /invalid hub endpoint/);
 * ```
 */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidHubEndpointError(endpoint);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidHubEndpointError(endpoint);
  }
  return endpoint.trim().replace(/\/+$/, "");
}

/**
 * Hub settings from the environment, as the Hugging Face tools read it, with `overrides` on top:
 * `HF_ENDPOINT` (default `https://huggingface.co`), `HF_TOKEN`, `HF_HUB_OFFLINE` (1/true/yes/on),
 * and the cache folder `HF_HUB_CACHE` (default `<project root>/data/cache/hub`). An override of
 * `token: undefined` removes the token. Empty variables count as unset. `environment` replaces
 * `Deno.env` (for tests and embedding). The `hub` part of {@linkcode settings}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubSettings } from "./hub_settings.ts";
 * const settings = hubSettings({ endpoint: "http://127.0.0.1:8080/", offline: true, cacheDir: "/tmp/hub" });
 * assert.equal(settings.endpoint, "http://127.0.0.1:8080");
 * assert.equal(settings.offline, true);
 * assert.equal(settings.cacheDir, "/tmp/hub");
 * ```
 */
export function hubSettings(
  overrides: Partial<HubSettings> = {},
  environment: EnvironmentReader = processEnvironment,
): HubSettings {
  const read = trimmedReader(environment);
  const endpoint = normalizeEndpoint(
    overrides.endpoint ?? read("HF_ENDPOINT") ?? DEFAULT_HUB_ENDPOINT,
  );
  const token = "token" in overrides ? overrides.token || undefined : read("HF_TOKEN");
  const offline = overrides.offline ?? isTruthyFlag(read("HF_HUB_OFFLINE"));
  const cacheDir = resolve(overrides.cacheDir ?? read("HF_HUB_CACHE") ?? defaultHubCacheDir());
  return token === undefined
    ? { endpoint, offline, cacheDir }
    : { endpoint, token, offline, cacheDir };
}
