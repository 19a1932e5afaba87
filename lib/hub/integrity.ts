/**
 * What a download must match, from the hub's headers, and the record the cache keeps of it.
 *
 * The hub answers a file of a repo with the file's identity: for LFS files (weights, parquet) the
 * `/resolve/` answer is a redirect to a CDN carrying `X-Linked-Etag` (the file's SHA-256) and
 * `X-Linked-Size`; small files come straight back with `ETag` = the git blob id (SHA-1 of
 * `blob {size}\0` + the bytes) and `Content-Length`. A download is checked against whatever of
 * these the server sent, and the cache records the size and SHA-256 it verified, so
 * `deno task cache verify` can recheck the file later.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic.ts";
import { contentLength } from "./content_length.ts";

/** What the server announced about a file. */
export interface HubFileExpectation {
  /** Bytes of the file (`X-Linked-Size`, else Content-Length). */
  size?: number;
  /** Hex SHA-256 (`X-Linked-Etag`, or an `ETag` of 64 hex digits). */
  sha256?: string;
  /** Hex git blob id (an `ETag` of 40 hex digits from the endpoint itself). */
  gitSha1?: string;
  /** The headers the values came from, for messages. */
  sources: string[];
}

/** An ETag without `W/` and quotes, lower-cased. */
export function normalizeEtag(value: string | null): string | undefined {
  if (value === null) return undefined;
  return value.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase() || undefined;
}

/**
 * The expectation of a download from the answers of its request chain: `hops` are the responses
 * from the endpoint's own origin (redirects included), `final` the one whose body is read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectationFromHeaders } from "./integrity.ts";
 * const sha = "a".repeat(64);
 * const hop = new Headers({ "x-linked-etag": `"${sha}"`, "x-linked-size": "1234" });
 * const final = new Headers({ "content-length": "1234", etag: '"0123abcd"' });
 * assert.deepEqual(expectationFromHeaders({ hops: [hop], final, finalFromEndpoint: false }), {
 *   size: 1234, sha256: sha, sources: ["X-Linked-Size", "X-Linked-Etag"],
 * });
 * ```
 */
export function expectationFromHeaders(
  options: { hops: Headers[]; final: Headers; finalFromEndpoint: boolean },
): HubFileExpectation {
  const expectation: HubFileExpectation = { sources: [] };
  const linkedSize = options.hops.map((h) => h.get("x-linked-size")).find((v) => v !== null);
  if (linkedSize && /^\d+$/.test(linkedSize.trim())) {
    expectation.size = Number(linkedSize);
    expectation.sources.push("X-Linked-Size");
  } else {
    const length = contentLength(options.final);
    if (length !== undefined) {
      expectation.size = length;
      expectation.sources.push("Content-Length");
    }
  }
  const linked = normalizeEtag(
    options.hops.map((h) => h.get("x-linked-etag")).find((v) => v !== null) ?? null,
  );
  if (linked && /^[0-9a-f]{64}$/.test(linked)) {
    expectation.sha256 = linked;
    expectation.sources.push("X-Linked-Etag");
  } else if (options.finalFromEndpoint) {
    const etag = normalizeEtag(options.final.get("etag"));
    if (etag && /^[0-9a-f]{64}$/.test(etag)) {
      expectation.sha256 = etag;
      expectation.sources.push("ETag");
    } else if (etag && /^[0-9a-f]{40}$/.test(etag) && expectation.size !== undefined) {
      expectation.gitSha1 = etag;
      expectation.sources.push("ETag (git blob id)");
    }
  }
  return expectation;
}

/** Hashes a stream of chunks as SHA-256 and, when the size is known, as a git blob id. */
export class DownloadHasher {
  #sha256: Hash = createHash("sha256");
  #git?: Hash;

  constructor(size?: number) {
    if (size !== undefined) this.#git = createHash("sha1").update(`blob ${size}\0`);
  }

  update(chunk: Uint8Array): void {
    this.#sha256.update(chunk);
    this.#git?.update(chunk);
  }

  /** Hex digests. */
  digest(): { sha256: string; gitSha1?: string } {
    return { sha256: this.#sha256.digest("hex"), gitSha1: this.#git?.digest("hex") };
  }
}

/** Why the received bytes do not match the expectation, or `undefined`. */
export function digestProblem(
  expectation: HubFileExpectation,
  digest: { sha256: string; gitSha1?: string },
): string | undefined {
  if (expectation.sha256 !== undefined && digest.sha256 !== expectation.sha256) {
    return `its SHA-256 ${digest.sha256} differs from the hub's ${expectation.sha256}`;
  }
  if (
    expectation.gitSha1 !== undefined && digest.gitSha1 !== undefined &&
    digest.gitSha1 !== expectation.gitSha1
  ) {
    return `its git blob id ${digest.gitSha1} differs from the hub's ETag ${expectation.gitSha1}`;
  }
  return undefined;
}

/** What the cache records of a verified download (no timestamps: concurrent runs agree). */
export interface HubIntegrityRecord {
  /** The file's path in its repo. */
  file: string;
  size: number;
  sha256: string;
  /** Which announcements of the server the download was checked against. */
  checked: string[];
}

/** Writes an integrity record atomically. */
export async function writeIntegrityRecord(
  path: string,
  record: HubIntegrityRecord,
): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(record, null, 2) + "\n");
}

/** Reads an integrity record; `undefined` when there is none or it cannot be read. */
export async function readIntegrityRecord(path: string): Promise<HubIntegrityRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(path, "utf8"));
    return typeof value?.size === "number" && typeof value?.sha256 === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Hex SHA-256 of a file, read in chunks. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk); // closes the file at the end
  return hash.digest("hex");
}
