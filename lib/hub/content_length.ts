/**
 * The body's length in bytes when the headers state it for the bytes as stored (no content
 * encoding), else `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentLength } from "./content_length.ts";
 * assert.equal(contentLength(new Headers({ "content-length": "12" })), 12);
 * assert.equal(contentLength(new Headers({ "content-length": "12", "content-encoding": "gzip" })), undefined);
 * ```
 */
export function contentLength(headers: Headers): number | undefined {
  const encoding = headers.get("content-encoding");
  if (encoding !== null && encoding !== "identity") return undefined;
  const value = headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}
