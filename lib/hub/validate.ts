import {
  InvalidHubFileNameError,
  InvalidRepoIdError,
  InvalidRepoTypeError,
  InvalidRevisionError,
} from "./errors.ts";

/** The kinds of hub repo this kit reads. */
export type HubRepoType = "model" | "dataset";

/** A file in a hub repo. */
export interface HubFile {
  /** Repo id: `name` or `org/name`. */
  repo: string;
  /** Path of the file inside the repo, e.g. `onnx/model.onnx`. */
  file: string;
  /** Branch, tag or commit. Default `main`. */
  revision?: string;
  /** Default `model`. */
  repoType?: HubRepoType;
}

/** A {@linkcode HubFile} validated, with its defaults filled in. */
export type ResolvedHubFile = Required<HubFile>;

const SEGMENT_CHARACTERS = /^[A-Za-z0-9._-]+$/;
const REPO_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;

/** Why a slash-separated path is not a safe relative path of allowed parts, or undefined. */
function pathProblem(value: string): string | undefined {
  if (value.length === 0) return "it is empty";
  if (value.includes("\\")) return "it contains a backslash";
  if (value.startsWith("/")) return "it is an absolute path (starts with /)";
  if (/^[A-Za-z]:/.test(value)) return "it is an absolute path (starts with a drive letter)";
  if (value.endsWith("/")) return "it ends with /";
  const segments = value.split("/");
  if (segments.includes("..")) return 'it contains a ".." part';
  if (segments.includes(".")) return 'it contains a "." part';
  if (segments.includes("")) return "it has an empty part (//)";
  for (const segment of segments) {
    if (!SEGMENT_CHARACTERS.test(segment)) {
      const bad = [...segment].find((c) => !/[A-Za-z0-9._-]/.test(c))!;
      return `it contains ${JSON.stringify(bad)}, which is not allowed`;
    }
  }
  return undefined;
}

/**
 * Checks a repo id (`name` or `org/name`, the hub's rules) and returns it; throws
 * {@linkcode InvalidRepoIdError} saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRepoId } from "./validate.ts";
 * assert.equal(validateRepoId("standin/distilbert-mini-uncased-mrpc"), "standin/distilbert-mini-uncased-mrpc");
 * assert.equal(validateRepoId("gpt2"), "gpt2");
 * assert.throws(() => validateRepoId("../etc"), /invalid repo id "\.\.\/etc": it contains a "\.\." part/);
 * assert.throws(() => validateRepoId("a/b/c"), /has 3 parts/);
 * ```
 */
export function validateRepoId(repo: string): string {
  if (typeof repo !== "string") throw new InvalidRepoIdError(String(repo), "it is not a string");
  const problem = pathProblem(repo);
  if (problem) throw new InvalidRepoIdError(repo, problem);
  const segments = repo.split("/");
  if (segments.length > 2) {
    throw new InvalidRepoIdError(repo, `it has ${segments.length} parts`);
  }
  for (const segment of segments) {
    if (segment.length > 96) {
      throw new InvalidRepoIdError(repo, `part "${segment}" is longer than 96 characters`);
    }
    if (!REPO_NAME.test(segment)) {
      throw new InvalidRepoIdError(repo, `part "${segment}" starts or ends with "." or "-"`);
    }
    if (segment.includes("--") || segment.includes("..")) {
      throw new InvalidRepoIdError(repo, `part "${segment}" contains "--" or ".."`);
    }
  }
  if (repo.endsWith(".git")) throw new InvalidRepoIdError(repo, 'it ends with ".git"');
  return repo;
}

/**
 * Checks the path of a file inside a repo and returns it; throws
 * {@linkcode InvalidHubFileNameError} saying what is wrong. Names containing `.tmp-` are
 * refused: the cache reserves them for unfinished downloads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateHubFileName } from "./validate.ts";
 * assert.equal(validateHubFileName("onnx/model.onnx"), "onnx/model.onnx");
 * assert.throws(() => validateHubFileName("/etc/passwd"), /absolute path/);
 * assert.throws(() => validateHubFileName("onnx/../../x"), /"\.\." part/);
 * ```
 */
export function validateHubFileName(file: string): string {
  if (typeof file !== "string") {
    throw new InvalidHubFileNameError(String(file), "it is not a string");
  }
  const problem = pathProblem(file);
  if (problem) throw new InvalidHubFileNameError(file, problem);
  if (file.length > 1024) {
    throw new InvalidHubFileNameError(file, "it is longer than 1024 characters");
  }
  if (file.includes(".tmp-")) {
    throw new InvalidHubFileNameError(file, 'it contains ".tmp-", reserved for partial downloads');
  }
  return file;
}

/**
 * Checks a revision (branch, tag or commit; `refs/pr/1` style names allowed) and returns it;
 * throws {@linkcode InvalidRevisionError} saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateRevision } from "./validate.ts";
 * assert.equal(validateRevision("refs/pr/1"), "refs/pr/1");
 * assert.throws(() => validateRevision("main/../x"), /invalid revision "main\/\.\.\/x": it contains a "\.\." part/);
 * ```
 */
export function validateRevision(revision: string): string {
  if (typeof revision !== "string") {
    throw new InvalidRevisionError(String(revision), "it is not a string");
  }
  const problem = pathProblem(revision);
  if (problem) throw new InvalidRevisionError(revision, problem);
  if (revision.length > 256) {
    throw new InvalidRevisionError(revision, "it is longer than 256 characters");
  }
  return revision;
}

/**
 * Validates every part of a hub file reference and fills in the defaults
 * (`revision: "main"`, `repoType: "model"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveHubFile } from "./validate.ts";
 * assert.deepEqual(resolveHubFile({ repo: "org/name", file: "config.json" }), {
 *   repo: "org/name", file: "config.json", revision: "main", repoType: "model",
 * });
 * ```
 */
export function resolveHubFile(ref: HubFile): ResolvedHubFile {
  const repoType = ref.repoType ?? "model";
  if (repoType !== "model" && repoType !== "dataset") throw new InvalidRepoTypeError(repoType);
  return {
    repo: validateRepoId(ref.repo),
    file: validateHubFileName(ref.file),
    revision: validateRevision(ref.revision ?? "main"),
    repoType,
  };
}
