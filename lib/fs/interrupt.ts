/**
 * Removal of a run's temporary files and folders when the process is stopped before the run could
 * clean up after itself: on `unload` (end of the program, `Deno.exit`), on Ctrl+C (SIGINT) and on
 * SIGTERM (what `timeout`, Docker and CI send), where the handler removes the registered paths and
 * exits with status 130 or 143, as the unhandled signal would. The signal handlers are installed
 * only while a path is registered, and not inside a Jupyter kernel (where an interrupt must not end
 * the kernel). Whatever escapes this (SIGKILL, power loss) leaves `.tmp-` names that the next run
 * sweeps.
 *
 * @module
 */

const active = new Set<string>();
const SIGNALS = [["SIGINT", 130], ["SIGTERM", 143]] as const;
const listeners = new Map<Deno.Signal, () => void>();
let unloadInstalled = false;

function removeActiveSync(): void {
  for (const path of active) {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // already renamed or removed
    }
  }
  active.clear();
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
  if (listeners.size > 0 || inJupyterKernel()) return;
  for (const [signal, status] of SIGNALS) {
    if (signal === "SIGTERM" && Deno.build.os === "windows") continue;
    const listener = () => {
      removeActiveSync();
      Deno.exit(status);
    };
    try {
      Deno.addSignalListener(signal, listener);
      listeners.set(signal, listener);
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
  for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  listeners.clear();
}

/**
 * Registers a temporary file or folder to remove (recursively) if the process is stopped by
 * SIGINT or SIGTERM, or ends, first; returns the function that unregisters it (call it once the
 * path was renamed into place or removed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathsRemovedOnInterrupt, removeOnInterrupt } from "./interrupt.ts";
 * const release = removeOnInterrupt("/tmp/out.tmp-1");
 * assert.deepEqual(pathsRemovedOnInterrupt(), ["/tmp/out.tmp-1"]);
 * release();
 * assert.deepEqual(pathsRemovedOnInterrupt(), []);
 * ```
 */
export function removeOnInterrupt(path: string): () => void {
  active.add(path);
  install();
  return () => {
    active.delete(path);
    if (active.size === 0) uninstall();
  };
}

/** The paths registered now (for tests and diagnostics). */
export function pathsRemovedOnInterrupt(): string[] {
  return [...active];
}
