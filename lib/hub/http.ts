/** Options of {@linkcode fetchFollowingRedirects}. */
export interface HubFetchOptions {
  /** `GET` (default) or `HEAD`. */
  method?: string;
  /** Extra request headers. */
  headers?: HeadersInit;
  /** Sent as `Authorization: Bearer` to `endpoint`'s origin only. */
  token?: string;
  /** The hub endpoint whose origin may receive the token. */
  endpoint: string;
  signal?: AbortSignal;
  /** At most this many redirects are followed. Default 10. */
  maxRedirects?: number;
  /** Called with each answer received, redirects included, before it is followed. */
  onResponse?: (response: Response, url: URL) => void;
  /** Other `fetch` options passed through (e.g. `cache`). */
  init?: Omit<RequestInit, "method" | "headers" | "signal" | "redirect">;
}

/** Too many redirects in a row. */
export class TooManyRedirectsError extends Error {
  constructor(readonly url: string, readonly redirects: number, readonly lastStatus: number) {
    super(`more than ${redirects} redirects starting from ${url}`);
    this.name = "TooManyRedirectsError";
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * `fetch` that follows redirects itself so the token goes only to the endpoint's origin: the
 * real hub answers large files with a redirect to a CDN host, which must not see the token (an
 * `Authorization` header set by the caller is dropped too when the redirect leaves the origin).
 * Network failures and aborts are thrown as `fetch` throws them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchFollowingRedirects } from "./http.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) =>
 *   new URL(request.url).pathname === "/a"
 *     ? new Response(null, { status: 302, headers: { location: "/b" } })
 *     : new Response(request.headers.get("authorization")));
 * const endpoint = `http://127.0.0.1:${server.addr.port}`;
 * const response = await fetchFollowingRedirects(`${endpoint}/a`, { endpoint, token: "t0k" });
 * assert.equal(await response.text(), "Bearer t0k");
 * await server.shutdown();
 * ```
 */
export async function fetchFollowingRedirects(
  url: string,
  options: HubFetchOptions,
): Promise<Response> {
  const trustedOrigin = new URL(options.endpoint).origin;
  const maxRedirects = options.maxRedirects ?? 10;
  let method = options.method ?? "GET";
  let current = new URL(url);
  for (let hop = 0;; hop++) {
    const headers = new Headers(options.headers);
    if (current.origin === trustedOrigin) {
      if (options.token && !headers.has("authorization")) {
        headers.set("authorization", `Bearer ${options.token}`);
      }
    } else {
      headers.delete("authorization");
    }
    const response = await fetch(current, {
      ...options.init,
      method,
      headers,
      signal: options.signal,
      redirect: "manual",
    });
    options.onResponse?.(response, current);
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || location === null) return response;
    await response.body?.cancel();
    if (hop >= maxRedirects) throw new TooManyRedirectsError(url, maxRedirects, response.status);
    current = new URL(location, current);
    if (response.status === 303 && method !== "HEAD") method = "GET";
  }
}
