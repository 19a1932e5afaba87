import { join, resolve, sep } from "node:path";
import {
  hubDownload,
  type HubDownloadOptions,
  hubFileExists,
  type HubSettings,
} from "../hub/mod.ts";

/**
 * The files of one repository, wherever they live: the hub (downloaded into the cache on first
 * use) or a local folder. Loaders take one of these so the same code reads both.
 */
export interface RepoFiles {
  /** Names the source in messages: `owner/name@revision` or the folder path. */
  readonly label: string;
  /** Whether the repository has `file`. */
  has(file: string): Promise<boolean>;
  /** A local path to `file` (downloading it first when the source is the hub). */
  path(file: string): Promise<string>;
}

/**
 * Files in a local folder laid out like a repository (e.g. a snapshot of a hub repo).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localRepoFiles } from "./repo_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/vocab.txt`, "[PAD]\n");
 * const files = localRepoFiles(dir);
 * assert.equal(await files.has("vocab.txt"), true);
 * assert.equal(await files.has("tokenizer.json"), false);
 * assert.equal(await files.path("vocab.txt"), `${dir}/vocab.txt`);
 * ```
 */
export function localRepoFiles(dir: string): RepoFiles {
  const root = resolve(dir);
  const inside = (file: string) => {
    const path = join(root, file);
    if (!path.startsWith(root + sep)) {
      throw new RangeError(`${file}: file names must stay inside ${root}`);
    }
    return path;
  };
  return {
    label: root,
    async has(file) {
      try {
        return (await Deno.stat(inside(file))).isFile;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        throw error;
      }
    },
    // deno-lint-ignore require-await
    async path(file) {
      return inside(file); // async so a bad name rejects like a missing file does
    },
  };
}

/** Which hub repository {@link hubRepoFiles} reads. */
export interface HubRepoFilesOptions {
  /** `owner/name`. */
  repo: string;
  /** Branch, tag or commit; the hub's default is `main`. */
  revision?: string;
  repoType?: "model" | "dataset";
  /** Hub endpoint, token, offline mode and cache folder; defaults to `hubSettings()`. */
  settings?: HubSettings;
  /** Download progress (see `lib/progress`); the hub client's default is on. */
  progress?: HubDownloadOptions["progress"];
  signal?: AbortSignal;
}

/**
 * Files of a hub repository, fetched through the kit's hub client (cache, offline mode, token).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hubRepoFiles } from "./repo_files.ts";
 * const files = hubRepoFiles({ repo: "nyu-mll/glue", repoType: "dataset" });
 * assert.equal(files.label, "nyu-mll/glue@main (dataset)");
 * ```
 */
export function hubRepoFiles(options: HubRepoFilesOptions): RepoFiles {
  const { repo, revision, repoType, settings, progress, signal } = options;
  const ref = (file: string) => ({ repo, file, revision, repoType });
  return {
    label: `${repo}@${revision ?? "main"}${repoType === "dataset" ? " (dataset)" : ""}`,
    has: (file) => hubFileExists(ref(file), { settings, signal }),
    path: (file) => hubDownload(ref(file), { settings, progress, signal }),
  };
}
