/**
 * A batched matrix product in WebAssembly SIMD, for the attention products of training.
 *
 * tfjs's wasm backend sends a matrix product to XNNPACK only when it is 2-D; a batched one (the
 * attention scores and context, `[batch·heads, seq, headDim]`) runs a scalar loop at about
 * 1.7 GFLOP/s, and was half of a training step. This module computes `C[i] = A[i] · B[i]` with a
 * register-blocked kernel (4 rows × 8 columns of `C` in eight `f32x4` accumulators,
 * `f32x4.relaxed_madd`, which V8 compiles to FMA on x86), written in WebAssembly text below and
 * compiled by `wabt` when first used. It runs on the calling thread, on its own memory: inputs
 * are copied in (rows padded to a multiple of 4, columns to a multiple of 8, so the kernel has
 * no edge cases) and the result copied out — copies are linear, the product is cubic.
 *
 * @module
 */
import initWabt from "wabt";

/** Rows and columns of `C` one kernel step computes. */
const MR = 4;
const NR = 8;

/** Eight accumulators `c{r}{h}`: row r of the 4, half h of the 8 columns. */
function accumulators(): string[] {
  return Array.from({ length: MR * 2 }, (_, i) => `$c${i >> 1}${i & 1}`);
}

/** The WebAssembly text of `bgemm(a, b, c, batch, m, n, k)`; byte offsets, `m % 4 = n % 8 = 0`. */
export function batchMatMulWat(): string {
  const accs = accumulators();
  const zero = accs.map((c) => `(local.set ${c} (v128.const i64x2 0 0))`).join("\n");
  const rows = Array.from({ length: MR }, (_, r) => r);
  const madd = rows.map((r) =>
    `(local.set $av (v128.load32_splat (local.get $pa${r})))
     (local.set $c${r}0 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c${r}0)))
     (local.set $c${r}1 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c${r}1)))
     (local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const 4)))`
  ).join("\n");
  const store = rows.map((r) =>
    `(v128.store offset=0 (local.get $pc) (local.get $c${r}0))
     (v128.store offset=16 (local.get $pc) (local.get $c${r}1))
     (local.set $pc (i32.add (local.get $pc) (local.get $rowC)))`
  ).join("\n");
  const rowPointers = rows.slice(1).map((r) =>
    `(local.set $pa${r} (i32.add (local.get $pa${r - 1}) (local.get $rowA)))`
  ).join("\n");
  return `(module
  (memory (export "memory") 1)
  (func (export "bgemm") (param $a i32) (param $b i32) (param $c i32) (param $batch i32)
      (param $m i32) (param $n i32) (param $k i32)
    (local $rowA i32) (local $rowC i32) (local $i i32) (local $j i32) (local $p i32)
    (local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $pb i32)
    (local $pc i32) (local $bi i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    ${accs.map((c) => `(local ${c} v128)`).join(" ")}
    (local.set $rowA (i32.shl (local.get $k) (i32.const 2)))
    (local.set $rowC (i32.shl (local.get $n) (i32.const 2)))
    (block $done_batch (loop $batch_loop
      (br_if $done_batch (i32.ge_u (local.get $bi) (local.get $batch)))
      (local.set $i (i32.const 0))
      (block $done_i (loop $i_loop
        (br_if $done_i (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $j (i32.const 0))
        (block $done_j (loop $j_loop
          (br_if $done_j (i32.ge_u (local.get $j) (local.get $n)))
          ${zero}
          (local.set $pa0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowA))))
          ${rowPointers}
          (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $p (local.get $k))
          (block $done_p (loop $p_loop
            (br_if $done_p (i32.eqz (local.get $p)))
            (local.set $b0 (v128.load offset=0 (local.get $pb)))
            (local.set $b1 (v128.load offset=16 (local.get $pb)))
            ${madd}
            (local.set $pb (i32.add (local.get $pb) (local.get $rowC)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $p_loop)))
          (local.set $pc (i32.add (local.get $c)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
          ${store}
          (local.set $j (i32.add (local.get $j) (i32.const ${NR})))
          (br $j_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const ${MR})))
        (br $i_loop)))
      (local.set $a (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $rowA))))
      (local.set $b (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $rowC))))
      (local.set $c (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $rowC))))
      (local.set $bi (i32.add (local.get $bi) (i32.const 1)))
      (br $batch_loop)))))`;
}

interface Kernel {
  memory: WebAssembly.Memory;
  bgemm: (a: number, b: number, c: number, batch: number, m: number, n: number, k: number) => void;
}

let kernel: Kernel | undefined;
let compiling: Promise<Kernel> | undefined;

/** WebAssembly SIMD or relaxed SIMD is missing in this runtime. */
export class SimdUnavailableError extends Error {
  override name = "SimdUnavailableError";
}

/**
 * Compiles the kernel (once); {@link batchMatMul} needs it done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchMatMul, loadBatchMatMul } from "./simd_matmul.ts";
 * await loadBatchMatMul();
 * const c = batchMatMul(Float32Array.of(1, 2), Float32Array.of(3, 4), { batch: 1, m: 1, k: 2, n: 1 });
 * assert.deepEqual(Array.from(c), [11]);
 * ```
 */
export function loadBatchMatMul(): Promise<void> {
  compiling ??= compile().catch((error) => {
    compiling = undefined;
    throw error;
  });
  return compiling.then((k) => {
    kernel = k;
  });
}

async function compile(): Promise<Kernel> {
  const wabt = await initWabt();
  const parsed = wabt.parseWat("batch_matmul.wat", batchMatMulWat(), {
    simd: true,
    relaxed_simd: true,
  });
  try {
    const { buffer } = parsed.toBinary({});
    const instance = await WebAssembly.instantiate(new WebAssembly.Module(new Uint8Array(buffer)));
    const exports = instance.exports as unknown as Kernel;
    return { memory: exports.memory, bgemm: exports.bgemm };
  } catch (error) {
    throw new SimdUnavailableError(
      `This JavaScript runtime cannot run the WebAssembly SIMD matrix kernel: ${
        (error as Error).message
      }. Use Deno 2 (V8 with relaxed SIMD).`,
    );
  } finally {
    parsed.destroy();
  }
}

/** Sizes of {@link batchMatMul}: `batch` products of `[m, k] · [k, n]`. */
export interface BatchMatMulShape {
  batch: number;
  m: number;
  k: number;
  n: number;
}

/** {@link BatchMatMulShape} and, optionally, where to write `C`. */
export interface BatchMatMulOptions extends BatchMatMulShape {
  /** `[batch, m, n]` values to write the product into (e.g. a tensor's memory); default a new array. */
  out?: Float32Array;
}

const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/**
 * `C[i] = A[i] · B[i]` for row-major `A` `[batch, m, k]` and `B` `[batch, k, n]`; returns `C`
 * `[batch, m, n]` (written into `options.out` when given). Call {@link loadBatchMatMul} first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchMatMul, loadBatchMatMul } from "./simd_matmul.ts";
 * await loadBatchMatMul();
 * // two products of [1, 2] · [2, 2]
 * const a = Float32Array.of(1, 2, 3, 4);
 * const b = Float32Array.of(1, 0, 0, 1, 0, 1, 1, 0);
 * assert.deepEqual(Array.from(batchMatMul(a, b, { batch: 2, m: 1, k: 2, n: 2 })), [1, 2, 4, 3]);
 * ```
 */
export function batchMatMul(
  a: Float32Array,
  b: Float32Array,
  options: BatchMatMulOptions,
): Float32Array {
  if (!kernel) {
    throw new SimdUnavailableError(
      "The SIMD kernel is not loaded; `await loadBatchMatMul()` first.",
    );
  }
  const { batch, m, k, n } = options;
  const out = options.out ?? new Float32Array(batch * m * n);
  if (a.length !== batch * m * k || b.length !== batch * k * n || out.length !== batch * m * n) {
    throw new RangeError(
      `batchMatMul: A has ${a.length} values, B ${b.length} and C ${out.length}; ` +
        `[${batch}, ${m}, ${k}] · [${batch}, ${k}, ${n}] needs ${batch * m * k}, ${
          batch * k * n
        } ` +
        `and ${batch * m * n}.`,
    );
  }
  if (out.length === 0) return out;
  const mp = roundUp(m, MR);
  const np = roundUp(n, NR);
  const aFloats = batch * mp * k;
  const bFloats = batch * k * np;
  const cFloats = batch * mp * np;
  const bytes = (aFloats + bFloats + cFloats) * 4;
  const { memory } = kernel;
  if (memory.buffer.byteLength < bytes) {
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  }
  const heap = new Float32Array(memory.buffer);
  const [aAt, bAt, cAt] = [0, aFloats, aFloats + bFloats];
  copyPadded(heap, aAt, a, { blocks: batch, rows: m, cols: k, paddedRows: mp, paddedCols: k });
  copyPadded(heap, bAt, b, { blocks: batch, rows: k, cols: n, paddedRows: k, paddedCols: np });
  kernel.bgemm(aAt * 4, bAt * 4, cAt * 4, batch, mp, np, k);
  for (let i = 0; i < batch; i++) {
    for (let r = 0; r < m; r++) {
      const from = cAt + (i * mp + r) * np;
      out.set(heap.subarray(from, from + n), (i * m + r) * n);
    }
  }
  return out;
}

/** Copies `blocks` row-major `[rows, cols]` matrices into `[paddedRows, paddedCols]` slots, zero-filled. */
function copyPadded(
  heap: Float32Array,
  at: number,
  src: Float32Array,
  s: { blocks: number; rows: number; cols: number; paddedRows: number; paddedCols: number },
): void {
  if (s.rows === s.paddedRows && s.cols === s.paddedCols) {
    heap.set(src, at);
    return;
  }
  heap.fill(0, at, at + s.blocks * s.paddedRows * s.paddedCols);
  for (let i = 0; i < s.blocks; i++) {
    for (let r = 0; r < s.rows; r++) {
      const from = (i * s.rows + r) * s.cols;
      heap.set(src.subarray(from, from + s.cols), at + (i * s.paddedRows + r) * s.paddedCols);
    }
  }
}
