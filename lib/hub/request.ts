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

/** Options of {@linkcode requestHubFile}. */
export interface HubRequestOptions {
  method?: "GET" | "HEAD";
  signal?: AbortSignal;
}

/**
 * Requests a hub file (following redirects, token to the endpoint only, no content encoding so
 * Content-Length counts the file's bytes) and returns the 2xx response; any other outcome is
 * thrown as the matching {@linkcode HubError} subclass.
 */
export async function requestHubFile(
  ref: ResolvedHubFile,
  settings: HubSettings,
  options: HubRequestOptions = {},
): Promise<Response> {
  const url = hubUrl(ref, settings);
  let response: Response;
  try {
    response = await fetchFollowingRedirects(url, {
      endpoint: settings.endpoint,
      token: settings.token,
      method: options.method ?? "GET",
      headers: { "accept-encoding": "identity" },
      signal: options.signal,
    });
  } catch (error) {
    throw fetchError(ref, settings, url, error, options.signal);
  }
  if (response.ok) return response;
  throw await statusError(ref, settings, url, response);
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
  return new HubHttpError(ref, status, url, detail || "unexpected answer from the hub");
}
