import {
  HubAbortedError,
  HubAuthError,
  HubHttpError,
  HubNetworkError,
  HubNotFoundError,
} from "./errors.ts";
import { fetchFollowingRedirects, TooManyRedirectsError } from "./http.ts";
import type { HubSettings } from "./settings.ts";
import { hubUrl } from "./url.ts";
import type { ResolvedHubFile } from "./validate.ts";
import { expectationFromHeaders, type HubFileExpectation } from "./integrity.ts";

/** Options of {@linkcode requestHubFile}. */
export interface HubRequestOptions {
  method?: "GET" | "HEAD";
  signal?: AbortSignal;
}

/** A hub file's 2xx answer and what the hub announced about the file. */
export interface HubAnswer {
  response: Response;
  /** Size and hashes from `X-Linked-Size`, `X-Linked-Etag`, `ETag` and Content-Length. */
  expected: HubFileExpectation;
}

/**
 * Requests a hub file (following redirects, token to the endpoint only, no content encoding so
 * Content-Length counts the file's bytes) and returns the 2xx answer with the size and hashes the
 * hub announced on the way; any other outcome is thrown as the matching {@linkcode HubError}
 * subclass.
 */
export async function requestHubFile(
  ref: ResolvedHubFile,
  settings: HubSettings,
  options: HubRequestOptions = {},
): Promise<HubAnswer> {
  const url = hubUrl(ref, settings);
  const origin = new URL(settings.endpoint).origin;
  const hops: Headers[] = [];
  let finalFromEndpoint = false;
  let response: Response;
  try {
    response = await fetchFollowingRedirects(url, {
      endpoint: settings.endpoint,
      token: settings.token,
      method: options.method ?? "GET",
      headers: { "accept-encoding": "identity" },
      signal: options.signal,
      onResponse(answer, at) {
        finalFromEndpoint = at.origin === origin;
        if (finalFromEndpoint) hops.push(answer.headers);
      },
    });
  } catch (error) {
    throw fetchError(ref, settings, url, error, options.signal);
  }
  if (response.ok) {
    const expected = expectationFromHeaders({ hops, final: response.headers, finalFromEndpoint });
    return { response, expected };
  }
  throw await statusError(ref, settings, url, response);
}

/**
 * A `Retry-After` value (seconds or an HTTP date) in milliseconds from `now`, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRetryAfter } from "./request.ts";
 * assert.equal(parseRetryAfter("3"), 3000);
 * assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT")), 10_000);
 * assert.equal(parseRetryAfter(null), undefined);
 * ```
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function fetchError(
  ref: ResolvedHubFile,
  settings: HubSettings,
  url: string,
  error: unknown,
  signal?: AbortSignal,
): Error {
  if (signal?.aborted) return new HubAbortedError(ref, error);
  if (error instanceof TooManyRedirectsError) {
    return new HubHttpError(ref, error.lastStatus, url, error.message);
  }
  return new HubNetworkError(ref, settings.endpoint, error);
}

async function statusError(
  ref: ResolvedHubFile,
  settings: HubSettings,
  url: string,
  response: Response,
): Promise<Error> {
  const { status } = response;
  if (status === 404) {
    await response.body?.cancel();
    return new HubNotFoundError(ref, settings.endpoint, url);
  }
  if (status === 401 || status === 403) {
    await response.body?.cancel();
    return new HubAuthError(ref, settings.endpoint, status, settings.token !== undefined);
  }
  const body = response.body ? (await response.text()).trim().slice(0, 200) : "";
  const detail = [response.statusText, body].filter((part) => part).join(": ");
  return new HubHttpError(
    ref,
    status,
    url,
    detail || "unexpected answer from the hub",
    parseRetryAfter(response.headers.get("retry-after")),
  );
}
