/**
 * The manifest of a run, written into its `report.json` so the run can be checked and repeated:
 * kit version (git commit when the kit is a checkout), Deno, ONNX Runtime and TensorFlow.js
 * versions, CPU model and ISA flags, thread counts, seeds, the full resolved configuration and the
 * SHA-256 of every input file. `deno task reproduce report.json` re-runs from it.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { machineInfo } from "../bench/mod.ts";

/** What produced a report and from what. */
export interface RunManifest {
  /** Which task wrote the report: `"demo"`, `"run"`, `"quantize"`, `"prune"`, … */
  task: string;
  kit: { commit?: string; dirty?: boolean };
  versions: { deno: string; onnxruntime: string; tfjs: string };
  machine: { cpu: string; cores: number; isa: string[]; os: string; arch: string };
  /**
   * Threads ONNX Runtime sessions used (undefined: ORT's default, all cores) and, for a task that
   * trains, the training engine's compute threads.
   */
  threads: { intraOp?: number; train?: number };
  seeds: Record<string, number>;
  /** The full resolved configuration the task ran with (plain JSON). */
  config: Record<string, unknown>;
  /** Absolute path → SHA-256 (hex) of every input model and data file. */
  inputs: Record<string, string>;
  createdAt: string;
}

/** Options of {@link runManifest}. */
export interface RunManifestOptions {
  task: string;
  config: Record<string, unknown>;
  seeds?: Record<string, number>;
  /** Input files to hash (models, data). */
  inputs?: readonly string[];
  threads?: { intraOp?: number; train?: number };
}

/**
 * SHA-256 (hex) of a file, streamed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256File } from "./manifest.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "abc");
 * assert.equal(await sha256File(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * ```
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash("sha256");
    createReadStream(path).on("error", fail).on("data", (chunk) => hash.update(chunk))
      .on("end", () => done(hash.digest("hex")));
  });
}

/** The git commit of the kit's checkout and whether it has changes, when git is at hand. */
async function kitVersion(): Promise<{ commit?: string; dirty?: boolean }> {
  const cwd = new URL("../..", import.meta.url).pathname;
  const git = async (args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  };
  try {
    const commit = await git(["rev-parse", "HEAD"]);
    if (!commit) return {};
    const status = await git(["status", "--porcelain", "--untracked-files=no"]);
    return { commit, dirty: status === undefined ? undefined : status.length > 0 };
  } catch {
    return {};
  }
}

function packageVersion(name: string): string {
  try {
    return createRequire(import.meta.url)(`${name}/package.json`).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The manifest of this run (see {@link RunManifest}); hashes every input file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runManifest } from "./manifest.ts";
 * const input = await Deno.makeTempFile();
 * const m = await runManifest({ task: "demo", config: { model: "m" }, seeds: { tune: 0 }, inputs: [input] });
 * assert.equal(m.versions.deno, Deno.version.deno);
 * assert.equal(Object.values(m.inputs)[0], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
 * ```
 */
export async function runManifest(options: RunManifestOptions): Promise<RunManifest> {
  const machine = await machineInfo();
  const inputs: Record<string, string> = {};
  for (const path of [...new Set(options.inputs ?? [])].map((p) => resolve(p)).sort()) {
    inputs[path] = await sha256File(path);
  }
  return {
    task: options.task,
    kit: await kitVersion(),
    versions: {
      deno: Deno.version.deno,
      onnxruntime: machine.onnxruntime,
      tfjs: packageVersion("@tensorflow/tfjs"),
    },
    machine: {
      cpu: machine.cpu,
      cores: machine.cores,
      isa: machine.isa,
      os: machine.os,
      arch: machine.arch,
    },
    threads: { ...options.threads },
    seeds: { ...options.seeds },
    config: JSON.parse(JSON.stringify(options.config)),
    inputs,
    createdAt: new Date().toISOString(),
  };
}
