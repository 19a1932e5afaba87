/** A hub file with every default filled in, as the errors report it. */
export interface HubFileDescription {
  repo: string;
  file: string;
  revision: string;
  repoType: "model" | "dataset";
}

/** Describes a hub file for messages: `model org/name, file config.json at revision main`. */
export function describeHubFile(ref: HubFileDescription): string {
  return `${ref.repoType} ${ref.repo}, file ${ref.file} at revision ${ref.revision}`;
}

/** Base class of every error of the hub module. */
export class HubError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

const REPO_ID_FORM =
  'expected "name" or "org/name", each part 1–96 characters of A-Z a-z 0-9 . _ -, ' +
  'starting and ending with a letter, digit or _ (e.g. "standin/distilbert-mini-uncased-mrpc")';

/** A repo id that is not `name` or `org/name` in the hub's character set. */
export class InvalidRepoIdError extends HubError {
  constructor(readonly repo: string, readonly reason: string) {
    super(`invalid repo id ${JSON.stringify(repo)}: ${reason}; ${REPO_ID_FORM}`);
  }
}

/** A file name that is not a relative path of parts in the hub's character set. */
export class InvalidHubFileNameError extends HubError {
  constructor(readonly file: string, readonly reason: string) {
    super(
      `invalid hub file name ${JSON.stringify(file)}: ${reason}; expected a relative path of ` +
        'parts made of A-Z a-z 0-9 . _ - separated by "/" (e.g. "onnx/model.onnx")',
    );
  }
}

/** A revision that is not a branch, tag or commit name in the hub's character set. */
export class InvalidRevisionError extends HubError {
  constructor(readonly revision: string, readonly reason: string) {
    super(
      `invalid revision ${JSON.stringify(revision)}: ${reason}; expected a branch, tag or ` +
        'commit made of A-Z a-z 0-9 . _ - and "/" between parts (e.g. "main", "v1.0", ' +
        '"refs/pr/1" or a 40-character commit hash)',
    );
  }
}

/** A repo type other than `model` or `dataset`. */
export class InvalidRepoTypeError extends HubError {
  constructor(readonly repoType: string) {
    super(`invalid repo type ${JSON.stringify(repoType)}: expected "model" or "dataset"`);
  }
}

// The endpoint is checked where settings are read (lib/settings); its error is re-exported here.
export { InvalidHubEndpointError } from "../settings/errors.ts";

/** A cache path that would leave the cache folder (a defence; validation should prevent it). */
export class HubCachePathError extends HubError {
  constructor(readonly path: string, readonly cacheDir: string) {
    super(`cache path ${path} is outside the hub cache ${cacheDir}: refusing to write there`);
  }
}

/** Offline (`HF_HUB_OFFLINE`) and the file is not in the cache. */
export class HubOfflineError extends HubError {
  constructor(readonly ref: HubFileDescription, readonly cachePath: string) {
    super(
      `HF_HUB_OFFLINE is set and ${describeHubFile(ref)} is not in the cache (${cachePath}). ` +
        "Run once online (unset HF_HUB_OFFLINE) to fill the cache, or point HF_ENDPOINT at a " +
        "mirror of the hub and unset HF_HUB_OFFLINE",
    );
  }
}

/** The hub answered 404: the repo, the file or the revision does not exist. */
export class HubNotFoundError extends HubError {
  constructor(readonly ref: HubFileDescription, readonly endpoint: string, readonly url: string) {
    super(
      `repo ${ref.repo} or file ${ref.file} at revision ${ref.revision} not found on ${endpoint} ` +
        `(HTTP 404 for ${url}): check the ${ref.repoType} id, the revision and the file name`,
    );
  }
}

/** The hub answered 401 or 403: the repo is gated or private (or, unauthenticated, missing). */
export class HubAuthError extends HubError {
  constructor(
    readonly ref: HubFileDescription,
    readonly endpoint: string,
    readonly status: number,
    readonly tokenSent: boolean,
  ) {
    super(
      `HTTP ${status} for ${describeHubFile(ref)} on ${endpoint}: the repo is gated or private ` +
        "(the hub also answers 401 for a repo that does not exist). " +
        (tokenSent
          ? "The token in HF_TOKEN was sent and refused: check that it can read this repo and " +
            "that you accepted the repo's conditions on its page"
          : "Set HF_TOKEN to an access token that can read it (created in your hub account " +
            "settings) and accept the repo's conditions on its page"),
    );
  }
}

/** The hub answered another non-2xx status, or redirected too often. */
export class HubHttpError extends HubError {
  constructor(
    readonly ref: HubFileDescription,
    readonly status: number,
    readonly url: string,
    detail: string,
    /** How long the server asked to wait before retrying (`Retry-After`), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status} for ${describeHubFile(ref)} (${url}): ${detail}`);
  }
}

/**
 * A download arrived whole but is not the file: its SHA-256 or size differs from what the hub
 * announced (`X-Linked-Etag`, `ETag`, `X-Linked-Size`), or its content is not what the file name
 * says (an HTML page instead of JSON or ONNX, JSON that does not parse, a truncated parquet,
 * safetensors, ONNX or zip file). Nothing was kept in the cache.
 */
export class HubCorruptDownloadError extends HubError {
  constructor(
    readonly ref: HubFileDescription,
    readonly url: string,
    readonly reason: string,
    /** True when another try may succeed (a hash or size mismatch), false for an HTML page. */
    readonly transient = true,
  ) {
    super(
      `download of ${describeHubFile(ref)} from ${url} was refused: ${reason}. Nothing was kept ` +
        "in the cache. Run again to retry; if a proxy or captive portal answers in the hub's " +
        "place, fix the network or point HF_ENDPOINT at a mirror of the hub",
    );
  }
}

/** The command that repairs the cache, as error messages name it. */
export const CACHE_REPAIR_COMMAND = "deno task cache verify --fix";

/** The endpoint could not be reached (connection refused, DNS failure, reset before an answer). */
export class HubNetworkError extends HubError {
  constructor(readonly ref: HubFileDescription, readonly endpoint: string, cause: unknown) {
    super(
      `cannot reach ${endpoint} for ${describeHubFile(ref)}: ${errorText(cause)}. Without ` +
        "network, fill the cache once online and set HF_HUB_OFFLINE=1, or point HF_ENDPOINT at " +
        "a reachable mirror of the hub",
      { cause },
    );
  }
}

/** The body ended (or the connection dropped) before Content-Length bytes arrived. */
export class HubIncompleteDownloadError extends HubError {
  constructor(
    readonly ref: HubFileDescription,
    readonly url: string,
    readonly received: number,
    readonly expected: number | undefined,
    cause?: unknown,
  ) {
    super(
      `download of ${describeHubFile(ref)} from ${url} stopped after ${received} of ` +
        `${expected ?? "an unknown number of"} bytes` +
        (cause === undefined ? "" : ` (${errorText(cause)})`) +
        ": nothing was kept in the cache; run again to retry",
      { cause },
    );
  }
}

/** The caller's `AbortSignal` stopped the download; nothing was kept in the cache. */
export class HubAbortedError extends HubError {
  constructor(readonly ref: HubFileDescription, cause: unknown) {
    super(`download of ${describeHubFile(ref)} aborted: nothing was kept in the cache`, { cause });
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${inner}`;
}
