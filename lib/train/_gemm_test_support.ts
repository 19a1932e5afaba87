/**
 * Test helper of `lib/train`: registers a test once per GEMM backend (WebAssembly, native BLAS),
 * switching the engine to it for the test's duration. Where no native BLAS loads, the native
 * variants are ignored and one line says why.
 *
 * @module
 */
import { initTf } from "./backend.ts";
import { BLAS_LIBRARY_ENV, type GemmBackend, gemmInfo, selectGemm } from "./gemm.ts";
import { loadNativeBlas } from "./native_blas.ts";
import { extendedTest, type Requirement } from "../../tests/support/extended.ts";

/** Why the native backend cannot be tested here, or undefined when it can. */
export const NATIVE_BLAS_MISSING: string | undefined = (() => {
  try {
    loadNativeBlas({ library: Deno.env.get(BLAS_LIBRARY_ENV) });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
})();

/** A native BLAS the FFI loads (OpenBLAS; CI installs Debian's `libopenblas0-pthread`). */
export const NATIVE_BLAS: Requirement = {
  what: "a native BLAS (OpenBLAS)",
  available: NATIVE_BLAS_MISSING === undefined,
  fix: "apt-get install libopenblas0-pthread (or set WORKSHOP_BLAS_LIBRARY to a cblas library)",
};

/** The backends every {@link gemmTest} runs on. */
export const GEMM_BACKENDS: readonly GemmBackend[] = ["wasm", "native"];

/**
 * `name [wasm GEMM]` and `name [native GEMM]`, each run on its backend; the native one is an
 * extended test that needs {@link NATIVE_BLAS} (skipped with one line where it cannot load,
 * failed on CI), and both need what `options.needs` lists.
 */
export function gemmTest(
  name: string,
  fn: (backend: GemmBackend) => void | Promise<void>,
  options: { needs?: Requirement[] } = {},
): void {
  for (const backend of GEMM_BACKENDS) {
    const needs = [...(options.needs ?? []), ...(backend === "native" ? [NATIVE_BLAS] : [])];
    extendedTest(`${name} [${backend} GEMM]`, needs, async () => {
      await initTf(); // it chooses the default backend when it starts
      const before = gemmInfo().backend;
      selectGemm({ gemm: backend });
      try {
        await fn(backend);
      } finally {
        selectGemm({ gemm: before });
      }
    });
  }
}
