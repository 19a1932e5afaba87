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

/** Why the native backend cannot be tested here, or undefined when it can. */
export const NATIVE_BLAS_MISSING: string | undefined = (() => {
  try {
    loadNativeBlas({ library: Deno.env.get(BLAS_LIBRARY_ENV) });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
})();

if (NATIVE_BLAS_MISSING) {
  console.warn(`native-BLAS variants of the GEMM tests are skipped: ${NATIVE_BLAS_MISSING}`);
}

/** The backends every {@link gemmTest} runs on. */
export const GEMM_BACKENDS: readonly GemmBackend[] = ["wasm", "native"];

/** `Deno.test(name [wasm GEMM])` and `Deno.test(name [native GEMM])`, each on its backend. */
export function gemmTest(
  name: string,
  fn: (backend: GemmBackend) => void | Promise<void>,
): void {
  for (const backend of GEMM_BACKENDS) {
    Deno.test({
      name: `${name} [${backend} GEMM]`,
      ignore: backend === "native" && NATIVE_BLAS_MISSING !== undefined,
      async fn() {
        await initTf(); // it chooses the default backend when it starts
        const before = gemmInfo().backend;
        selectGemm({ gemm: backend });
        try {
          await fn(backend);
        } finally {
          selectGemm({ gemm: before });
        }
      },
    });
  }
}
