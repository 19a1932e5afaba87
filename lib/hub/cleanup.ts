/**
 * Removal of partial downloads when the process ends before a download could clean up after
 * itself: on `unload` (end of the program, `Deno.exit`), on Ctrl+C (SIGINT) and on SIGTERM (what
 * `timeout`, Docker and CI send), where the handler removes the partial files and exits with
 * status 130 or 143 as an unhandled signal would. The signal handlers are installed only while a
 * download is running, and not inside a Jupyter kernel (where
 * an interrupt must not end the kernel). Whatever escapes this (SIGKILL, power loss) is harmless:
 * partial files are named `.{name}.tmp-…` and cache lookups never take them.
 *
 * @module
 */

const active = new Set<string>();
let sigintInstalled = false;
let unloadInstalled = false;

function removeActiveSync(): void {
  for (const path of active) {
    try {
      Deno.removeSync(path);
    } catch {
      // already renamed or removed
    }
  }
  active.clear();
}

function onSigint(): void {
  removeActiveSync();
  Deno.exit(130);
}

function onSigterm(): void {
  removeActiveSync();
  Deno.exit(143);
}

function onUnload(): void {
  removeActiveSync();
}

/** True inside `deno jupyter` (elsewhere `Deno.jupyter` throws on access). */
function inJupyterKernel(): boolean {
  try {
    return (Deno as unknown as { jupyter?: unknown }).jupyter !== undefined;
  } catch {
    return false;
  }
}

function install(): void {
  if (!unloadInstalled) {
    globalThis.addEventListener("unload", onUnload);
    unloadInstalled = true;
  }
  if (!sigintInstalled && !inJupyterKernel()) {
    try {
      Deno.addSignalListener("SIGINT", onSigint);
      if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onSigterm);
      sigintInstalled = true;
    } catch {
      // signals unsupported here: the unload listener and the .tmp- names remain
    }
  }
}

function uninstall(): void {
  if (unloadInstalled) {
    globalThis.removeEventListener("unload", onUnload);
    unloadInstalled = false;
  }
  if (sigintInstalled) {
    Deno.removeSignalListener("SIGINT", onSigint);
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", onSigterm);
    sigintInstalled = false;
  }
}

/**
 * Registers a partial file to remove if the process ends first; returns the function that
 * unregisters it (call it once the file was renamed or removed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { activeTemporaryFiles, trackTemporaryFile } from "./cleanup.ts";
 * const untrack = trackTemporaryFile("/tmp/.x.tmp-1");
 * assert.deepEqual(activeTemporaryFiles(), ["/tmp/.x.tmp-1"]);
 * untrack();
 * assert.deepEqual(activeTemporaryFiles(), []);
 * ```
 */
export function trackTemporaryFile(path: string): () => void {
  active.add(path);
  install();
  return () => {
    active.delete(path);
    if (active.size === 0) uninstall();
  };
}

/** The partial files registered now (for tests and diagnostics). */
export function activeTemporaryFiles(): string[] {
  return [...active];
}
