/**
 * Which GEMM the training engine's matrix products run on: a native BLAS through Deno's FFI
 * (`native_blas.ts`), or the WebAssembly kernels (XNNPACK for 2-D products, the kit's SIMD kernel
 * for batched ones).
 *
 * {@link initTf} chooses once from its `gemm` option, else `WORKSHOP_TRAIN_GEMM` (`native`,
 * `wasm` or `auto`, the default): `auto` takes the native BLAS where one loads and otherwise
 * falls back to WebAssembly, saying so once on the console (which backend, which libraries were
 * tried and why they failed); `native` insists (and throws {@link NativeBlasUnavailableError}
 * where none loads). `WORKSHOP_BLAS_LIBRARY` names a CBLAS library file to open instead of the
 * usual OpenBLAS/Accelerate places. {@link selectGemm} switches afterwards, e.g. to compare the
 * two backends in one process; products already computed are not affected.
 *
 * @module
 */
import { loadNativeBlas, type NativeBlas, NativeBlasUnavailableError } from "./native_blas.ts";

/** Where the engine's matrix products run. */
export type GemmBackend = "native" | "wasm";

/** A {@link GemmBackend}, or `"auto"`: native where a BLAS loads, else WebAssembly. */
export type GemmChoice = GemmBackend | "auto";

/** The environment variable that picks the GEMM backend (`native`, `wasm` or `auto`). */
export const GEMM_ENV = "WORKSHOP_TRAIN_GEMM";

/** The environment variable that names the BLAS library file to open. */
export const BLAS_LIBRARY_ENV = "WORKSHOP_BLAS_LIBRARY";

/** The running GEMM backend. */
export interface GemmInfo {
  backend: GemmBackend;
  /** Native: the library file opened. */
  library?: string;
  /** Native: the library's description (e.g. `OpenBLAS 0.3.21 … Zen`). */
  description?: string;
  /** Threads of the native library (the engine's thread count). */
  threads?: number;
  /** WebAssembly chosen by `auto`: why no native BLAS loaded. */
  note?: string;
}

/** Options of {@link selectGemm}. */
export interface SelectGemmOptions {
  /** Default: `WORKSHOP_TRAIN_GEMM`, else `"auto"`. */
  gemm?: GemmChoice;
  /** Library file to open. Default: `WORKSHOP_BLAS_LIBRARY`, else the usual places. */
  library?: string;
  /** Threads of the native library. Default: the engine's (as {@link initTf} set them), else 1. */
  threads?: number;
  /** `auto` falling back to WebAssembly stays silent (default: it says so, once per process). */
  quiet?: boolean;
}

/** An unknown GEMM backend was asked for. */
export class GemmChoiceError extends Error {
  override name = "GemmChoiceError";
}

let active: { info: GemmInfo; blas?: NativeBlas } = { info: { backend: "wasm" } };
let engineThreads = 1;
let saidFallback = false;

/**
 * Chooses the GEMM backend of the engine's matrix products and returns it; see the module doc.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemmInfo, selectGemm } from "./gemm.ts";
 * const before = gemmInfo();
 * assert.equal(selectGemm({ gemm: "wasm" }).backend, "wasm");
 * assert.equal(selectGemm({ gemm: "auto", library: "/nowhere/libblas.so", quiet: true }).backend, "wasm");
 * selectGemm({ gemm: before.backend }); // back to what it was
 * ```
 */
export function selectGemm(options: SelectGemmOptions = {}): GemmInfo {
  const choice = options.gemm ?? parseGemmChoice(readEnv(GEMM_ENV));
  if (choice === "wasm") {
    active = { info: { backend: "wasm" } };
    return gemmInfo();
  }
  const threads = options.threads ?? engineThreads;
  try {
    const blas = loadNativeBlas({
      library: options.library ?? readEnv(BLAS_LIBRARY_ENV),
      threads,
    });
    const { library, description } = blas.info;
    active = { info: { backend: "native", library, description, threads }, blas };
  } catch (error) {
    if (choice === "native" || !(error instanceof NativeBlasUnavailableError)) throw error;
    active = { info: { backend: "wasm", note: error.message } };
    if (!options.quiet && !saidFallback) {
      saidFallback = true;
      console.warn(
        `training engine: matrix products on the WebAssembly kernels (XNNPACK, SIMD); ${error.message}`,
      );
    }
  }
  return gemmInfo();
}

/**
 * The running GEMM backend (WebAssembly until {@link selectGemm} or `initTf` chose).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initTf } from "./backend.ts";
 * import { gemmInfo } from "./gemm.ts";
 * await initTf();
 * assert.ok(["native", "wasm"].includes(gemmInfo().backend));
 * ```
 */
export function gemmInfo(): GemmInfo {
  return { ...active.info };
}

/** The native BLAS the kernels should call, or undefined on WebAssembly. */
export function activeNativeBlas(): NativeBlas | undefined {
  return active.blas;
}

/** Sets the thread count later {@link selectGemm} calls default to (the engine's). */
export function setGemmThreads(threads: number): void {
  engineThreads = threads;
}

/**
 * Parses a {@link GemmChoice} (`native`, `wasm`, `auto`; case and blanks ignored; empty or
 * undefined is `auto`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GemmChoiceError, parseGemmChoice } from "./gemm.ts";
 * assert.equal(parseGemmChoice(" Native "), "native");
 * assert.equal(parseGemmChoice(undefined), "auto");
 * assert.throws(() => parseGemmChoice("blas"), GemmChoiceError);
 * ```
 */
export function parseGemmChoice(value: string | undefined): GemmChoice {
  const choice = (value ?? "").trim().toLowerCase() || "auto";
  if (choice === "native" || choice === "wasm" || choice === "auto") return choice;
  throw new GemmChoiceError(
    `${GEMM_ENV}=${value} is not a GEMM backend; use native (OpenBLAS/Accelerate through FFI), ` +
      "wasm (WebAssembly kernels) or auto (native where a BLAS loads).",
  );
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
