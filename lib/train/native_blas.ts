/**
 * A native BLAS (OpenBLAS, or Apple's Accelerate) opened through Deno's FFI, for the training
 * engine's matrix products.
 *
 * {@link loadNativeBlas} opens the first library of {@link nativeBlasCandidates} that loads
 * (`Deno.dlopen`, which needs `--allow-ffi`; the kit's tasks run with `-A`) and binds
 * `cblas_sgemm`, plus OpenBLAS's `openblas_set_num_threads` / `openblas_get_config` where the
 * library has them. {@link NativeBlas.sgemm} multiplies row-major `Float32Array`s in place — views
 * of the tfjs WebAssembly heap included, shared (threaded build) or not: the FFI passes their
 * address, nothing is copied. {@link NativeBlas.sgemmBatch} loops over a batch of equal-shaped
 * products (OpenBLAS 0.3.21, Debian 12's, has no `cblas_sgemm_batch`).
 *
 * @module
 */

/** No native BLAS could be opened; the message lists each library tried and why it failed. */
export class NativeBlasUnavailableError extends Error {
  override name = "NativeBlasUnavailableError";
}

/** Options of {@link loadNativeBlas}. */
export interface LoadNativeBlasOptions {
  /** A library file or name to open instead of {@link nativeBlasCandidates}. */
  library?: string;
  /**
   * Threads of the library (OpenBLAS; Accelerate reads `VECLIB_MAXIMUM_THREADS`). Default: left
   * as they are (OpenBLAS starts with `OPENBLAS_NUM_THREADS`, else one per core).
   */
  threads?: number;
}

/** What {@link loadNativeBlas} opened. */
export interface NativeBlasInfo {
  /** The library file or name `Deno.dlopen` opened. */
  library: string;
  /** The library's own description (`openblas_get_config()`), or its file name. */
  description: string;
  /** Threads the library computes with (`openblas_get_num_threads()`), when it says. */
  threads?: number;
}

/** One `C = alpha · op(A) · op(B) + beta · C` on row-major matrices; `op(A)` is `[m, k]`. */
export interface SgemmCall {
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
  /** `A` is stored `[k, m]` (default false). */
  transA?: boolean;
  /** `B` is stored `[n, k]` (default false). */
  transB?: boolean;
  /** Default 1. */
  alpha?: number;
  /** Default 0 (`C` is overwritten). */
  beta?: number;
}

/** {@link SgemmCall} over `batch` products laid out one after the other. */
export interface SgemmBatchCall extends SgemmCall {
  batch: number;
  /** Floats between consecutive `A`s (default `m·k`; 0 broadcasts one `A`). */
  strideA?: number;
  /** Floats between consecutive `B`s (default `k·n`; 0 broadcasts one `B`). */
  strideB?: number;
}

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // m
      "i32", // n
      "i32", // k
      "f32", // alpha
      "buffer", // a
      "i32", // lda
      "buffer", // b
      "i32", // ldb
      "f32", // beta
      "buffer", // c
      "i32", // ldc
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;

/**
 * Libraries {@link loadNativeBlas} tries, in order, on `os` (default: this one): OpenBLAS by its
 * soname (the loader's search path, Debian's alternatives) and Debian's pthread build by path on
 * Linux; Accelerate on macOS; `libopenblas.dll` on Windows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nativeBlasCandidates } from "./native_blas.ts";
 * assert.equal(nativeBlasCandidates("darwin")[0], "/System/Library/Frameworks/Accelerate.framework/Accelerate");
 * assert.ok(nativeBlasCandidates("linux").includes("libopenblas.so.0"));
 * ```
 */
export function nativeBlasCandidates(os: typeof Deno.build.os = Deno.build.os): string[] {
  switch (os) {
    case "darwin":
      return [
        "/System/Library/Frameworks/Accelerate.framework/Accelerate",
        "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
        "/usr/local/opt/openblas/lib/libopenblas.dylib",
      ];
    case "windows":
      return ["libopenblas.dll", "openblas.dll"];
    default:
      return [
        "libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.so",
      ];
  }
}

/** A native BLAS opened by {@link loadNativeBlas}. */
export class NativeBlas {
  readonly #lib: Library;
  readonly #library: string;
  readonly #description: string;
  #threads: number | undefined;

  constructor(lib: Library, library: string) {
    this.#lib = lib;
    this.#library = library;
    const pointer = lib.symbols.openblas_get_config?.();
    this.#description = pointer
      ? Deno.UnsafePointerView.getCString(pointer)
      : library.split("/").pop()!;
  }

  /** The library, its description and thread count. */
  get info(): NativeBlasInfo {
    const reported = this.#lib.symbols.openblas_get_num_threads?.();
    return {
      library: this.#library,
      description: this.#description,
      threads: reported ?? this.#threads,
    };
  }

  /** The thread count last set by {@link setThreads} (undefined before, or where it cannot be set). */
  get threads(): number | undefined {
    return this.#threads;
  }

  /** Sets the library's thread count where it can be set (OpenBLAS); true when it was. */
  setThreads(threads: number): boolean {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`BLAS threads must be a positive integer, got ${threads}.`);
    }
    const set = this.#lib.symbols.openblas_set_num_threads;
    if (!set) return false;
    if (this.#threads !== threads) set(threads);
    this.#threads = threads;
    return true;
  }

  /**
   * `C = alpha · op(A) · op(B) + beta · C` (row-major, `cblas_sgemm`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { loadNativeBlas } from "./native_blas.ts";
   * const blas = loadNativeBlas(); // throws where no BLAS is installed
   * const c = new Float32Array(4);
   * blas.sgemm({ m: 2, n: 2, k: 2, a: Float32Array.of(1, 2, 3, 4), b: Float32Array.of(5, 6, 7, 8), c });
   * assert.deepEqual(Array.from(c), [19, 22, 43, 50]);
   * ```
   */
  sgemm(call: SgemmCall): void {
    const { m, n, k, a, b, c, transA = false, transB = false } = call;
    checkSizes("sgemm", call, a.length, b.length, c.length, 1);
    if (m === 0 || n === 0) return;
    const beta = call.beta ?? 0;
    if (k === 0) {
      // An empty sum: C = beta · C (BLAS would reject the zero leading dimensions).
      for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
      return;
    }
    this.#lib.symbols.cblas_sgemm(
      CBLAS_ROW_MAJOR,
      transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
      transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
      m,
      n,
      k,
      call.alpha ?? 1,
      a,
      transA ? m : k,
      b,
      transB ? k : n,
      beta,
      c,
      n,
    );
  }

  /**
   * {@link sgemm} for each of `batch` products: `C[i] = alpha · op(A[i]) · op(B[i]) + beta · C[i]`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { loadNativeBlas } from "./native_blas.ts";
   * const blas = loadNativeBlas();
   * const c = new Float32Array(2);
   * // one A broadcast over two Bs
   * blas.sgemmBatch({ batch: 2, m: 1, n: 1, k: 2, a: Float32Array.of(1, 2), strideA: 0, b: Float32Array.of(3, 4, 5, 6), c });
   * assert.deepEqual(Array.from(c), [11, 17]);
   * ```
   */
  sgemmBatch(call: SgemmBatchCall): void {
    const { batch, m, n, k, a, b, c } = call;
    const strideA = call.strideA ?? m * k;
    const strideB = call.strideB ?? k * n;
    const need = (stride: number, size: number) => batch === 0 ? 0 : (batch - 1) * stride + size;
    checkSizes("sgemmBatch", call, a.length, b.length, c.length, batch, [
      need(strideA, m * k),
      need(strideB, k * n),
    ]);
    for (let i = 0; i < batch; i++) {
      this.sgemm({
        ...call,
        a: a.subarray(i * strideA, i * strideA + m * k),
        b: b.subarray(i * strideB, i * strideB + k * n),
        c: c.subarray(i * m * n, (i + 1) * m * n),
      });
    }
  }

  /** Closes the library; the object is unusable afterwards. */
  close(): void {
    this.#lib.close();
  }
}

function checkSizes(
  what: string,
  call: SgemmCall,
  aLength: number,
  bLength: number,
  cLength: number,
  batch: number,
  needed?: [number, number],
): void {
  const { m, n, k } = call;
  for (const [name, value] of [["m", m], ["n", n], ["k", k]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
      throw new RangeError(`${what}: ${name} = ${value} is not a matrix size.`);
    }
  }
  const [needA, needB] = needed ?? [m * k, k * n];
  if (aLength < needA || bLength < needB || cLength < batch * m * n) {
    throw new RangeError(
      `${what}: A has ${aLength} values, B ${bLength} and C ${cLength}; ` +
        `${batch} × [${m}, ${k}] · [${k}, ${n}] needs ${needA}, ${needB} and ${batch * m * n}.`,
    );
  }
}

const opened = new Map<string, NativeBlas>();

/**
 * Opens a native BLAS (`options.library`, else the first of {@link nativeBlasCandidates} that
 * loads; once per library, later calls return the same object) and sets its threads. Throws
 * {@link NativeBlasUnavailableError} naming every library tried and why it failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadNativeBlas, NativeBlasUnavailableError } from "./native_blas.ts";
 * assert.throws(() => loadNativeBlas({ library: "/nowhere/libopenblas.so.0" }), NativeBlasUnavailableError);
 * ```
 */
export function loadNativeBlas(options: LoadNativeBlasOptions = {}): NativeBlas {
  const candidates = options.library ? [options.library] : nativeBlasCandidates();
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    // Asking would prompt once per library on a terminal; without the permission none loads.
    throw new NativeBlasUnavailableError(
      `no native BLAS opened: loading ${candidates.join(", ")} needs FFI permission; ` +
        "run with --allow-ffi (or -A, as the kit's tasks do).",
    );
  }
  const failures: string[] = [];
  for (const library of candidates) {
    let blas = opened.get(library);
    if (!blas) {
      try {
        blas = new NativeBlas(Deno.dlopen(library, SYMBOLS), library);
      } catch (error) {
        failures.push(`${library}: ${firstLine(error)}`);
        continue;
      }
      opened.set(library, blas);
    }
    if (options.threads !== undefined) blas.setThreads(options.threads);
    return blas;
  }
  throw new NativeBlasUnavailableError(
    `no native BLAS could be opened (${failures.join("; ")}). Install OpenBLAS ` +
      "(`apt-get install libopenblas0-pthread` on Debian/Ubuntu), point WORKSHOP_BLAS_LIBRARY " +
      "at a CBLAS library, or run with --allow-ffi if permission was denied.",
  );
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}
