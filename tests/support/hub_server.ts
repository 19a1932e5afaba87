/**
 * A loopback static file server in the Hugging Face hub's URL layout, serving the read-only mirror
 * `shared/hub` (beside the repo clone) or the repo's fixture hub, so the code that downloads from
 * the real hub is the code tested. Faults can be injected: 401 answers, redirects, connections
 * cut or stalled mid-body, HTML pages in place of files, missing Content-Length, corrupted bodies,
 * 5xx/429 answers that pass after a few tries; and the hub's identity headers (ETag,
 * X-Linked-Etag, X-Linked-Size).
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

/** Faults to inject; every predicate receives the decoded URL path (`/org/name/resolve/main/f`). */
export interface HubServerFaults {
  /** Answer 401 for these paths. */
  unauthorized?: (path: string) => boolean;
  /** Answer 401 unless the request carries `Authorization: Bearer <requireToken>`. */
  requireToken?: string;
  /** Answer this HTTP status (with a short text body) when it returns a number. */
  failStatus?: (path: string) => number | undefined;
  /** Answer `302 Location: <returned value>` when it returns a string (a path or a full URL). */
  redirect?: (path: string) => string | undefined;
  /**
   * Send the headers with the full Content-Length, then this many bytes, then end the
   * connection: what a client sees when the server is killed mid-download.
   */
  cutAfterBytes?: number;
  /** Which paths `cutAfterBytes` applies to. Default: all files. */
  cutPaths?: (path: string) => boolean;
  /**
   * Send the headers and this many bytes, then nothing until the server is closed (which then
   * ends the connection): a transfer that hangs, to test aborts and Ctrl+C.
   */
  stallAfterBytes?: number;
  /** Which paths `stallAfterBytes` applies to. Default: all files. */
  stallPaths?: (path: string) => boolean;
  /** `cutAfterBytes` applies to only the first this many matching requests (then files are whole). */
  cutTimes?: number;
  /**
   * Answer 200 with an HTML page (a proxy's error or login page) for these paths, with
   * Content-Type `htmlContentType` (default `text/html; charset=utf-8`).
   */
  htmlBody?: (path: string) => boolean;
  htmlContentType?: string;
  /**
   * Send no Content-Length (chunked transfer) for these paths; with `cutAfterBytes`, the body then
   * ends cleanly after that many bytes: a body cut short that the client cannot tell from framing.
   */
  omitContentLength?: (path: string) => boolean;
  /**
   * Send the hub's identity headers: for LFS-like files (`.onnx`, `.bin`, `.safetensors`,
   * `.parquet`, `.onnx_data`, `.data`) `X-Linked-Etag` and `ETag` = SHA-256 and `X-Linked-Size`;
   * for others `ETag` = the git blob id (SHA-1 of `blob {size}\0` + bytes).
   */
  hubHeaders?: boolean;
  /** Flip one byte in the middle of the body (same length, headers of the good file). */
  corruptBody?: (path: string) => boolean;
  /**
   * Answer `status` (with `Retry-After: retryAfter` when given) to the first `times` matching
   * requests, then serve normally: a hub that is briefly overloaded.
   */
  flaky?: { status: number; times: number; retryAfter?: string; paths?: (path: string) => boolean };
}

const LFS_LIKE = /\.(onnx|bin|safetensors|parquet|onnx_data|data)$/;

async function hexDigest(
  algorithm: "SHA-256" | "SHA-1",
  data: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The identity headers the real hub sends for a file (see `HubServerFaults.hubHeaders`). */
async function hubIdentityHeaders(
  path: string,
  data: Uint8Array<ArrayBuffer>,
): Promise<Record<string, string>> {
  if (LFS_LIKE.test(path)) {
    const sha256 = await hexDigest("SHA-256", data);
    return {
      etag: `"${sha256}"`,
      "x-linked-etag": `"${sha256}"`,
      "x-linked-size": String(data.byteLength),
    };
  }
  const prefix = new TextEncoder().encode(`blob ${data.byteLength}\0`);
  const blob = new Uint8Array(prefix.length + data.byteLength);
  blob.set(prefix);
  blob.set(data, prefix.length);
  return { etag: `"${await hexDigest("SHA-1", blob)}"` };
}

/** Options of {@linkcode startHubServer}. */
export interface HubServerOptions {
  /** Folder served. Default: {@linkcode defaultHubMirrorDir}. */
  root?: string;
  faults?: HubServerFaults;
}

/** One request the server received. */
export interface HubServerRequest {
  method: string;
  /** Decoded URL path. */
  path: string;
  /** The `Authorization` header, or null. */
  authorization: string | null;
}

/** A running server. */
export interface HubServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (use as `HF_ENDPOINT`). */
  url: string;
  /** Folder served. */
  root: string;
  /** `"GET /org/name/resolve/main/file"` for each request, in order. */
  requests: string[];
  /** Each request with its `Authorization` header. */
  log: HubServerRequest[];
  /** Ends stalled transfers and stops the server (a second call waits for the first). */
  close(): Promise<void>;
}

const PROJECT_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The fixture hub committed in the repo (`data/fixtures/shared/hub`, made by `deno task fixtures`). */
export const FIXTURE_HUB_DIR: string = join(PROJECT_ROOT, "data", "fixtures", "shared", "hub");

/**
 * The hub the tests use: `HUB_MIRROR_DIR` when set, else the full mirror `shared/hub` beside the
 * project root (`<clone>/../shared/hub`, as on workshop machines and in CI) when it exists, else
 * the repo's own fixture hub {@link FIXTURE_HUB_DIR}.
 */
export function defaultHubMirrorDir(): string {
  const fromEnv = Deno.env.get("HUB_MIRROR_DIR")?.trim();
  if (fromEnv) return resolve(fromEnv);
  const shared = resolve(PROJECT_ROOT, "..", "shared", "hub");
  return existsSync(shared) ? shared : FIXTURE_HUB_DIR;
}

class BadPathError extends Error {}

function decodeSegments(pathname: string): string[] {
  const segments = pathname.split("/").slice(1).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new BadPathError(`undecodable segment ${segment}`);
    }
  });
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === ".." || /[\\/\0]/.test(segment)) {
      throw new BadPathError(`refused path segment ${JSON.stringify(segment)}`);
    }
  }
  return segments;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith("/");
}

async function findFile(root: string, segments: string[]): Promise<string | undefined> {
  try {
    const real = await Deno.realPath(join(root, ...segments));
    if (!isInside(real, root)) return undefined;
    return (await Deno.stat(real)).isFile ? real : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
}

function text(status: number, body: string, headers: HeadersInit = {}): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain", ...headers } });
}

/** A body of the first `bytes` bytes of `data` that then closes early or waits for `closed`. */
function partialBody(data: Uint8Array, bytes: number, closed?: AbortSignal): ReadableStream {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(data.slice(0, Math.min(bytes, data.byteLength)));
        return;
      }
      if (closed && !closed.aborted) {
        await new Promise((resolve) => closed.addEventListener("abort", resolve, { once: true }));
      }
      controller.close(); // shorter than Content-Length: the connection is dropped
    },
  }, { highWaterMark: 0 });
}

/**
 * Starts the server on 127.0.0.1 on a free port. GET and HEAD, Content-Length always set, 404 for
 * missing files, 400 for paths with `..`, empty or encoded-slash segments, nothing outside the root
 * (symlinks resolved).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startHubServer } from "./hub_server.ts";
 * const server = await startHubServer();
 * const response = await fetch(`${server.url}/datasets/nyu-mll/glue/resolve/main/mrpc/train-00000-of-00001.parquet`);
 * assert.equal(response.status, 200);
 * assert.equal(new TextDecoder().decode((await response.bytes()).subarray(0, 4)), "PAR1");
 * await server.close();
 * ```
 */
export async function startHubServer(options: HubServerOptions = {}): Promise<HubServer> {
  const rootPath = resolve(options.root ?? defaultHubMirrorDir());
  let root: string;
  try {
    root = await Deno.realPath(rootPath);
  } catch {
    throw new Error(
      `hub mirror not found at ${rootPath}: put the mirror in shared/hub beside the repo, ` +
        "set HUB_MIRROR_DIR to its folder, or unset it to use the fixture hub",
    );
  }
  const faults = options.faults ?? {};
  const requests: string[] = [];
  const log: HubServerRequest[] = [];
  const closing = new AbortController();
  let flakyAnswered = 0;
  let cutAnswered = 0;

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    let segments: string[];
    try {
      segments = decodeSegments(url.pathname);
    } catch (error) {
      requests.push(`${request.method} ${url.pathname}`);
      log.push({ method: request.method, path: url.pathname, authorization: null });
      return text(400, (error as Error).message);
    }
    const path = `/${segments.join("/")}`;
    const authorization = request.headers.get("authorization");
    requests.push(`${request.method} ${path}`);
    log.push({ method: request.method, path, authorization });
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "method not allowed", { allow: "GET, HEAD" });
    }
    if (
      faults.unauthorized?.(path) ||
      (faults.requireToken !== undefined && authorization !== `Bearer ${faults.requireToken}`)
    ) {
      return text(401, "Invalid credentials", { "x-error-code": "GatedRepo" });
    }
    const status = faults.failStatus?.(path);
    if (status !== undefined) return text(status, `injected failure ${status}`);
    const flaky = faults.flaky;
    if (flaky && (flaky.paths?.(path) ?? true) && flakyAnswered < flaky.times) {
      flakyAnswered++;
      const headers: Record<string, string> = flaky.retryAfter === undefined
        ? {}
        : { "retry-after": flaky.retryAfter };
      return text(flaky.status, `injected failure ${flaky.status}`, headers);
    }
    if (faults.htmlBody?.(path)) {
      return new Response(
        "<!DOCTYPE html>\n<html><head><title>Proxy</title></head><body>Please sign in to " +
          "continue.</body></html>\n",
        { headers: { "content-type": faults.htmlContentType ?? "text/html; charset=utf-8" } },
      );
    }
    const location = faults.redirect?.(path);
    if (location !== undefined) {
      return new Response(null, { status: 302, headers: { location } });
    }
    const file = await findFile(root, segments);
    if (file === undefined) {
      return text(404, "Entry not found", { "x-error-code": "EntryNotFound" });
    }
    const size = (await Deno.stat(file)).size;
    const headers: Record<string, string> = {
      "content-length": String(size),
      "content-type": "application/octet-stream",
      "accept-ranges": "none",
    };
    if (faults.omitContentLength?.(path)) delete headers["content-length"];
    if (faults.hubHeaders) {
      Object.assign(headers, await hubIdentityHeaders(path, await Deno.readFile(file)));
    }
    if (request.method === "HEAD") return new Response(null, { headers });
    if (
      faults.cutAfterBytes !== undefined && (faults.cutPaths?.(path) ?? true) &&
      (faults.cutTimes === undefined || cutAnswered++ < faults.cutTimes)
    ) {
      return new Response(partialBody(await Deno.readFile(file), faults.cutAfterBytes), {
        headers,
      });
    }
    if (faults.corruptBody?.(path)) {
      const data = await Deno.readFile(file);
      data[data.length >> 1] ^= 0x01;
      return new Response(data, { headers });
    }
    if (faults.stallAfterBytes !== undefined && (faults.stallPaths?.(path) ?? true)) {
      const data = await Deno.readFile(file);
      return new Response(partialBody(data, faults.stallAfterBytes, closing.signal), { headers });
    }
    const opened = await Deno.open(file, { read: true });
    return new Response(opened.readable, { headers });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    root,
    requests,
    log,
    close() {
      closed ??= (async () => {
        closing.abort();
        await server.shutdown();
        await server.finished;
      })();
      return closed;
    },
  };
}
