/**
 * TensorFlow.js on its WebAssembly backend (XNNPACK, SIMD, and threads), loaded on first use.
 *
 * - The kit imports tfjs only through this module: `await initTf()` loads `@tensorflow/tfjs`
 *   (whose node bundle carries the gradient definitions that `@tensorflow/tfjs-core`'s lacks) and
 *   `@tensorflow/tfjs-backend-wasm`, selects the `wasm` backend and returns the `tf` namespace;
 *   afterwards the live binding {@link tf} is the same namespace. Loading lazily keeps
 *   `lib/mod.ts` light and keeps tfjs 4 from meeting danfojs's tfjs 3 unless both are used.
 * - Threads: tfjs disables the threaded build under Node (and so under Deno). Deno runs it
 *   once the emscripten pthread worker gets a real file (Deno's `worker_threads` refuses
 *   `blob:` URLs) and XNNPACK is told there are 2·threads logical cores (tfjs halves that count).
 *   {@link initTf} does both while the backend starts, and falls back to the single-threaded
 *   SIMD build when the packaged worker script is not the one this shim knows.
 *   Its pthread workers are unref'd, so a script still exits when its work is done.
 * - Matrix products: on a native BLAS (OpenBLAS, Accelerate) through Deno's FFI where one loads,
 *   else on the WebAssembly kernels — see `gemm.ts` (`gemm` option, `WORKSHOP_TRAIN_GEMM`). The
 *   native library computes with the engine's thread count.
 * - tfjs registers its `cpu` and `webgl` backends on import; they are removed (the kit computes
 *   on `wasm` only), so danfojs's tfjs 3, loaded later into the same global registry, does not
 *   print hundreds of "kernel already registered" warnings.
 *
 * @module
 */
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type GemmChoice, type GemmInfo, gemmInfo, selectGemm, setGemmThreads } from "./gemm.ts";
import { routeMatMulKernels } from "./gemm_kernels.ts";
import { registerMissingWasmKernels } from "./kernels.ts";
import { loadBatchMatMul } from "./simd_matmul.ts";

/** The `@tensorflow/tfjs` namespace. */
export type Tf = typeof import("@tensorflow/tfjs");

/**
 * The tfjs namespace once {@link initTf} resolved (a live binding: import it and use it after
 * `await initTf()`; before, it is `undefined`).
 */
export let tf: Tf = undefined as unknown as Tf;

/** Options of {@link initTf}. */
export interface TfInitOptions {
  /**
   * Compute threads of the wasm backend (1–8). Default: `WORKSHOP_TF_THREADS`, else the number
   * of logical cores. Fixed by the first call; later calls return the running backend.
   */
  threads?: number;
  /**
   * Where the matrix products run: `"native"` (a BLAS through FFI), `"wasm"`, or `"auto"` (native
   * where a BLAS loads). Default: `WORKSHOP_TRAIN_GEMM`, else `"auto"`.
   */
  gemm?: GemmChoice;
  /** The BLAS library file to open. Default: `WORKSHOP_BLAS_LIBRARY`, else the usual places. */
  blasLibrary?: string;
}

/** What {@link initTf} started. */
export interface TfBackendInfo {
  backend: "wasm";
  /** tfjs version. */
  version: string;
  simd: boolean;
  /** Threads XNNPACK actually uses. */
  threads: number;
  /** Why threads are off when more than one was asked, or undefined. */
  threadsNote?: string;
  /** Where the matrix products run now. */
  gemm: GemmInfo;
}

/** The wasm backend could not start; the message says why and what to check. */
export class TfBackendError extends Error {
  override name = "TfBackendError";
}

let starting: Promise<Tf> | undefined;
let info: TfBackendInfo | undefined;

/**
 * Loads tfjs, starts the WebAssembly backend and returns the `tf` namespace (idempotent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf, tfBackendInfo } from "./backend.ts";
 * const tf = await initTf();
 * assert.equal(tf.getBackend(), "wasm");
 * assert.ok(tfBackendInfo().threads >= 1);
 * assert.deepEqual(Array.from(tf.add(tf.tensor([1, 2]), 1).dataSync()), [2, 3]);
 * ```
 */
export function initTf(options: TfInitOptions = {}): Promise<Tf> {
  starting ??= start(options).catch((error) => {
    starting = undefined;
    throw error;
  });
  return starting;
}

/**
 * The running backend's description; throws {@link TfBackendError} before {@link initTf}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf, tfBackendInfo } from "./backend.ts";
 * await initTf();
 * assert.equal(tfBackendInfo().backend, "wasm");
 * ```
 */
export function tfBackendInfo(): TfBackendInfo {
  if (!info) throw new TfBackendError("tfjs is not started; call `await initTf()` first.");
  return { ...info, gemm: gemmInfo() };
}

function requestedThreads(options: TfInitOptions): number {
  const fromEnv = Number(readEnv("WORKSHOP_TF_THREADS"));
  const wanted = options.threads ??
    (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : navigator.hardwareConcurrency || 1);
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new TfBackendError(`threads ${wanted} must be a positive integer (1–8).`);
  }
  return Math.min(wanted, 8);
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

async function start(options: TfInitOptions): Promise<Tf> {
  const threads = requestedThreads(options);
  const namespace = await quietly(() => import("@tensorflow/tfjs"));
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const packageDir = wasmPackageDir();
  wasm.setWasmPaths(join(packageDir, "dist") + "/");
  let threadsNote: string | undefined;
  let threaded: ThreadShim | undefined;
  if (threads > 1) {
    const shim = prepareThreadShim(packageDir);
    if (typeof shim === "string") threadsNote = shim;
    else threaded = shim;
  }
  if (threaded) {
    namespace.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    wasm.setThreadsCount(threads);
  }
  const ok = await withThreadShim(threaded, threads, () => namespace.setBackend("wasm"));
  if (!ok || namespace.getBackend() !== "wasm") {
    throw new TfBackendError(
      `the tfjs WebAssembly backend did not start (wasm files in ${packageDir}/dist); run ` +
        "`deno install` and check that @tensorflow/tfjs-backend-wasm is in node_modules.",
    );
  }
  if (threaded) unrefThreadWorkers(namespace);
  for (const name of ["cpu", "webgl"]) dropBackend(namespace, name);
  await loadBatchMatMul();
  registerMissingWasmKernels(namespace);
  routeMatMulKernels(namespace);
  setGemmThreads(threads);
  const gemm = selectGemm({ gemm: options.gemm, library: options.blasLibrary, threads });
  tf = namespace;
  info = {
    backend: "wasm",
    version: namespace.version.tfjs,
    simd: Boolean(await namespace.env().getAsync("WASM_HAS_SIMD_SUPPORT")),
    threads: wasm.getThreadsCount(),
    threadsNote,
    gemm,
  };
  return namespace;
}

/** The folder of `@tensorflow/tfjs-backend-wasm` in node_modules (its wasm files are read there). */
function wasmPackageDir(): string {
  const main = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
  if (!main.startsWith("file:")) {
    throw new TfBackendError(
      `@tensorflow/tfjs-backend-wasm resolved to ${main}, not a file; the kit needs ` +
        '`"nodeModulesDir": "auto"` in deno.json and `deno install` so its .wasm files are on disk.',
    );
  }
  return dirname(dirname(fileURLToPath(main)));
}

/** Runs `load` with tfjs's "already registered" / "platform already set" warnings dropped. */
async function quietly<T>(load: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  const noise = /already registered|has already been set|Reusing existing backend/;
  console.warn = (...args: unknown[]) => {
    if (!noise.test(String(args[0]))) warn(...args);
  };
  try {
    return await load();
  } finally {
    console.warn = warn;
  }
}

function dropBackend(namespace: Tf, name: string): void {
  for (const kernel of namespace.getKernelsForBackend(name)) {
    namespace.unregisterKernel(kernel.kernelName, name);
  }
  if (namespace.findBackendFactory(name)) namespace.removeBackend(name);
}

/** Lets the process exit while the pthread workers idle (they would keep the event loop alive). */
function unrefThreadWorkers(namespace: Tf): void {
  const backend = namespace.backend() as unknown as {
    wasm?: { PThread?: { unusedWorkers?: unknown[]; runningWorkers?: unknown[] } };
  };
  const pthreads = backend.wasm?.PThread;
  for (const worker of [...pthreads?.unusedWorkers ?? [], ...pthreads?.runningWorkers ?? []]) {
    (worker as { unref?: () => void }).unref?.();
  }
}

interface ThreadShim {
  workerPath: string;
}

/** The emscripten pthread worker as a CommonJS file Deno's worker_threads can start. */
function prepareThreadShim(packageDir: string): ThreadShim | string {
  const require = createRequire(join(packageDir, "package.json"));
  const workerModule = join(packageDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.worker.js");
  const mainScript = join(packageDir, "wasm-out", "tfjs-backend-wasm-threaded-simd.js");
  let source: string;
  try {
    source = require(workerModule).wasmWorkerContents as string;
  } catch (error) {
    return `threaded worker script not found (${(error as Error).message})`;
  }
  // The worker loads the main script from a Blob URL and sets `location`; in Deno it must read a
  // file and may not assign read-only globals.
  const blobLoad = "var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);" +
    "URL.revokeObjectURL(objectUrl)";
  const assignGlobals = "Object.assign(global,";
  if (!source.includes(blobLoad) || !source.includes(assignGlobals)) {
    return "the packaged pthread worker differs from the one the Deno shim patches";
  }
  const patched = source
    .replace(/\n/g, "\\n") // as tfjs does before making its Blob
    .replace(blobLoad, `importScripts(${JSON.stringify(mainScript)})`)
    .replace(
      assignGlobals,
      "((t,s)=>{for(const k in s){try{Object.defineProperty(t,k,{value:s[k],writable:true," +
        "configurable:true})}catch(_){}}})(global,",
    );
  const dir = Deno.makeTempDirSync({ prefix: "tfjs-wasm-" });
  const workerPath = join(dir, "pthread-worker.cjs");
  Deno.writeTextFileSync(workerPath, patched);
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  });
  return { workerPath };
}

/** Runs `startBackend` with the worker URL and the core count tfjs reads patched. */
async function withThreadShim<T>(
  shim: ThreadShim | undefined,
  threads: number,
  startBackend: () => Promise<T>,
): Promise<T> {
  if (!shim) return await startBackend();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const cores = cpus.call(os);
  const logical = Array.from({ length: 2 * threads }, (_, i) => cores[i % cores.length]);
  URL.createObjectURL = (object: Blob) =>
    object instanceof Blob && object.type === "application/javascript"
      ? shim.workerPath
      : createObjectURL(object);
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => logical;
  try {
    return await startBackend();
  } finally {
    URL.createObjectURL = createObjectURL;
    (os as { cpus: () => os.CpuInfo[] }).cpus = cpus;
  }
}
