import assert from "node:assert/strict";
import {
  HubAuthError,
  HubCorruptDownloadError,
  HubHttpError,
  HubIncompleteDownloadError,
  HubNetworkError,
  HubNotFoundError,
} from "./errors.ts";
import { retryDelay } from "./retry.ts";

const ref = { repo: "a/b", file: "config.json", revision: "main", repoType: "model" as const };
const network = (message: string) => new HubNetworkError(ref, "http://h", new TypeError(message));

Deno.test("retryDelay retries 5xx, 429, resets and bad bodies with doubling backoff, nothing else", () => {
  const options = { baseDelayMs: 100, maxDelayMs: 350 };
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => retryDelay(new HubHttpError(ref, 502, "u", "x"), n, options)),
    [100, 200, 350, 350],
  );
  assert.equal(retryDelay(new HubHttpError(ref, 503, "u", "x", 2500), 1, options), 2500);
  assert.equal(retryDelay(new HubHttpError(ref, 429, "u", "x", 61_000), 1, options), undefined);
  assert.equal(retryDelay(new HubIncompleteDownloadError(ref, "u", 1, 2), 1, options), 100);
  assert.equal(retryDelay(new HubCorruptDownloadError(ref, "u", "sha"), 1, options), 100);
  assert.equal(
    retryDelay(new HubCorruptDownloadError(ref, "u", "html", false), 1, options),
    undefined,
  );
  assert.equal(retryDelay(network("connection reset by peer (os error 104)"), 1, options), 100);
  assert.equal(retryDelay(network("connection closed before message completed"), 1, options), 100);
  assert.equal(retryDelay(network("tcp connect error: Connection refused"), 1, options), undefined);
  assert.equal(retryDelay(network("dns error: failed to lookup address"), 1, options), undefined);
  assert.equal(retryDelay(new HubNotFoundError(ref, "h", "u"), 1, options), undefined);
  assert.equal(retryDelay(new HubAuthError(ref, "h", 401, false), 1, options), undefined);
  assert.equal(retryDelay(new HubHttpError(ref, 400, "u", "x"), 1, options), undefined);
});
