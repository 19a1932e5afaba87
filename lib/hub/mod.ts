/**
 * Hugging Face hub access in the hub's URL scheme: settings from `HF_ENDPOINT`, `HF_TOKEN`,
 * `HF_HUB_OFFLINE` and `HF_HUB_CACHE`; validated repo ids, file names and revisions; downloads
 * into a cache (`{cacheDir}/{models|datasets}--{org}--{name}/snapshots/{revision}/{file}`) that
 * keeps only verified, complete files (`deno task cache list|verify|clean` inspects it); existence checks; and the same settings applied to `@huggingface/transformers`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubCachePath, hubUrl, InvalidRepoIdError, validateRepoId } from "./mod.ts";
 * const ref = { repo: "standin/distilbert-mini-uncased-mrpc", file: "onnx/model.onnx" };
 * assert.equal(
 *   hubUrl(ref, { endpoint: "http://127.0.0.1:8080" }),
 *   "http://127.0.0.1:8080/standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
 * );
 * assert.equal(
 *   hubCachePath(ref, { cacheDir: "/cache" }),
 *   "/cache/models--standin--distilbert-mini-uncased-mrpc/snapshots/main/onnx/model.onnx",
 * );
 * assert.throws(() => validateRepoId("/etc/passwd"), InvalidRepoIdError);
 * ```
 *
 * @module
 */
export {
  CACHE_REPAIR_COMMAND,
  describeHubFile,
  HubAbortedError,
  HubAuthError,
  HubCachePathError,
  HubCorruptDownloadError,
  HubError,
  type HubFileDescription,
  HubHttpError,
  HubIncompleteDownloadError,
  HubNetworkError,
  HubNotFoundError,
  HubOfflineError,
  InvalidHubEndpointError,
  InvalidHubFileNameError,
  InvalidRepoIdError,
  InvalidRepoTypeError,
  InvalidRevisionError,
} from "./errors.ts";
export {
  DEFAULT_HUB_ENDPOINT,
  defaultHubCacheDir,
  type HubSettings,
  hubSettings,
  isTruthyFlag,
  normalizeEndpoint,
  projectRoot,
} from "./settings.ts";
export {
  type HubFile,
  type HubRepoType,
  type ResolvedHubFile,
  resolveHubFile,
  validateHubFileName,
  validateRepoId,
  validateRevision,
} from "./validate.ts";
export { hubUrl } from "./url.ts";
export {
  cacheRepairHint,
  hubCachedPath,
  hubCachePath,
  hubIntegrityPath,
  hubRepoDir,
  type HubSnapshot,
  hubSnapshotDir,
} from "./cache.ts";
export {
  cachedFileProblem,
  cleanHubCache,
  type CleanHubCacheOptions,
  type HubCacheEntry,
  type HubCacheProblem,
  listHubCache,
  verifyHubCache,
  type VerifyHubCacheOptions,
} from "./cache_admin.ts";
export { contentProblem } from "./content_check.ts";
export { hubDownload, type HubDownloadOptions } from "./download.ts";
export { type HubFileExpectation } from "./integrity.ts";
export { type HubRetryOptions, retryDelay, withHubRetries } from "./retry.ts";
export { sweepTemporaryFiles } from "./sweep.ts";
export { hubFileExists, type HubFileExistsOptions } from "./exists.ts";
export {
  configureTransformers,
  parseHubUrl,
  type TransformersCache,
  transformersCache,
  type TransformersEnv,
} from "./transformers.ts";
