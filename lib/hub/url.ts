import type { HubSettings } from "./settings.ts";
import { type HubFile, resolveHubFile } from "./validate.ts";

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/**
 * The URL of a file in the hub's layout: `{endpoint}/{repo}/resolve/{revision}/{file}` for
 * models, `{endpoint}/datasets/{repo}/resolve/{revision}/{file}` for datasets. The revision is
 * one URL segment (`refs/pr/1` → `refs%2Fpr%2F1`), as the hub expects. Validates the reference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubUrl } from "./url.ts";
 * const settings = { endpoint: "https://huggingface.co" };
 * assert.equal(
 *   hubUrl({ repo: "standin/distilbert-mini-uncased-mrpc", file: "onnx/model.onnx" }, settings),
 *   "https://huggingface.co/standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
 * );
 * assert.equal(
 *   hubUrl({ repo: "nyu-mll/glue", file: "mrpc/test-00000-of-00001.parquet", repoType: "dataset", revision: "refs/convert/parquet" }, settings),
 *   "https://huggingface.co/datasets/nyu-mll/glue/resolve/refs%2Fconvert%2Fparquet/mrpc/test-00000-of-00001.parquet",
 * );
 * ```
 */
export function hubUrl(ref: HubFile, settings: Pick<HubSettings, "endpoint">): string {
  const { repo, file, revision, repoType } = resolveHubFile(ref);
  const prefix = repoType === "dataset" ? "datasets/" : "";
  const endpoint = settings.endpoint.replace(/\/+$/, "");
  return `${endpoint}/${prefix}${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${
    encodePath(file)
  }`;
}
