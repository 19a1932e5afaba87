/**
 * bitsandbytes-style 4-bit weights as ONNX Runtime's `MatMulBnb4` contrib op: the transposed
 * weight (`[N, K]`, flattened) cut into blocks of `blockSize` values, each scaled by its largest
 * magnitude (`absmax`) and mapped to the nearest of 16 code values — NF4 (normal-float, quantiles
 * of a normal distribution; `quant_type = 1`) or FP4 (`quant_type = 0`). Two codes per byte, the
 * first of each pair in the high nibble.
 *
 * @module
 */

import { attr, DataType, MS_DOMAIN, type Node, tensorToFloat32 } from "../onnx/mod.ts";
import type { QuantContext } from "./quant_context.ts";
import type { OpQuantizer, QuantOutcome } from "./quantizer_registry.ts";
import { BlockQuantError } from "./block_quant.ts";

/** The 16 NF4 code values (bitsandbytes' table). */
export const NF4_CODE: readonly number[] = [
  -1,
  -0.6961928009986877,
  -0.5250730514526367,
  -0.39491748809814453,
  -0.28444138169288635,
  -0.18477343022823334,
  -0.09105003625154495,
  0,
  0.07958029955625534,
  0.16093020141124725,
  0.24611230194568634,
  0.33791524171066284,
  0.44070982933044434,
  0.5626170039176941,
  0.7229568362236023,
  1,
];

/** The 16 FP4 code values (bitsandbytes' table: sign bit, 2 exponent bits, 1 mantissa bit). */
export const FP4_CODE: readonly number[] = [
  0,
  0.0052083333,
  0.6666667,
  1,
  0.3333333,
  0.5,
  0.1666667,
  0.25,
  -0,
  -0.0052083333,
  -0.6666667,
  -1,
  -0.3333333,
  -0.5,
  -0.1666667,
  -0.25,
];

/** A weight in `MatMulBnb4` form. */
export interface Bnb4Quantized {
  /** `⌈N·K/2⌉` bytes. */
  packed: Uint8Array;
  /** `⌈N·K/blockSize⌉` block maxima. */
  absmax: Float32Array;
  /** The codes, one per byte, of the flattened `[N, K]` weight. */
  codes: Uint8Array;
}

/**
 * Quantizes a `[K, N]` weight (a `MatMul`'s B) to 4-bit codes of `code` (NF4 or FP4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dequantizeBnb4, NF4_CODE, quantizeBnb4 } from "./op_matmul_bnb4.ts";
 * const w = Float32Array.from([1, -0.5, 0.25, 0]); // [K=2, N=2]
 * const q = quantizeBnb4(w, { k: 2, n: 2, blockSize: 64, code: NF4_CODE });
 * assert.deepEqual([...q.absmax], [1]);
 * const back = dequantizeBnb4(q, { k: 2, n: 2, blockSize: 64, code: NF4_CODE });
 * assert.ok(back.every((v, i) => Math.abs(v - w[i]) < 0.05));
 * ```
 */
export function quantizeBnb4(
  weight: Float32Array,
  o: { k: number; n: number; blockSize: number; code: readonly number[] },
): Bnb4Quantized {
  const { k, n, blockSize, code } = o;
  if (!(blockSize >= 16 && Number.isInteger(Math.log2(blockSize)))) {
    throw new BlockQuantError(`blockSize ${blockSize} must be a power of two ≥ 16 (e.g. 64).`);
  }
  const total = k * n;
  const flat = new Float32Array(total); // transposed: [N, K]
  for (let i = 0; i < k; i++) for (let c = 0; c < n; c++) flat[c * k + i] = weight[i * n + c];
  const blocks = Math.ceil(total / blockSize);
  const absmax = new Float32Array(blocks);
  const codes = new Uint8Array(total);
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(total, (b + 1) * blockSize);
    let m = 0;
    for (let i = b * blockSize; i < end; i++) m = Math.max(m, Math.abs(flat[i]));
    absmax[b] = m;
    const inv = m > 0 ? 1 / m : 0;
    for (let i = b * blockSize; i < end; i++) codes[i] = nearestCode(flat[i] * inv, code);
  }
  const packed = new Uint8Array(Math.ceil(total / 2));
  for (let i = 0; i < total; i++) {
    packed[i >> 1] |= i % 2 === 0 ? codes[i] << 4 : codes[i];
  }
  return { packed, absmax, codes };
}

function nearestCode(x: number, code: readonly number[]): number {
  let best = 0;
  let dist = Infinity;
  for (let i = 0; i < code.length; i++) {
    const d = Math.abs(code[i] - x);
    if (d < dist) [best, dist] = [i, d];
  }
  return best;
}

/** The `[K, N]` weight a {@link Bnb4Quantized} stands for, read from its packed bytes. */
export function dequantizeBnb4(
  q: Bnb4Quantized,
  o: { k: number; n: number; blockSize: number; code: readonly number[] },
): Float32Array {
  const { k, n, blockSize, code } = o;
  const out = new Float32Array(k * n);
  for (let i = 0; i < k * n; i++) {
    const byte = q.packed[i >> 1];
    const c = i % 2 === 0 ? byte >> 4 : byte & 15;
    const value = Math.fround(code[c] * q.absmax[Math.floor(i / blockSize)]);
    const col = Math.floor(i / k);
    out[(i % k) * n + col] = value;
  }
  return out;
}

/** Options of {@link matMulBnb4Quantizer}. */
export interface Bnb4Options {
  /** Values per block (default 64, bitsandbytes' default). */
  blockSize?: number;
  /** `"nf4"` (default) or `"fp4"`. */
  quantType?: "nf4" | "fp4";
}

/**
 * The `MatMul` → `MatMulBnb4` quantizer (float weights only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matMulBnb4Quantizer } from "./op_matmul_bnb4.ts";
 * assert.equal(matMulBnb4Quantizer().opType, "MatMul");
 * ```
 */
export function matMulBnb4Quantizer(options: Bnb4Options = {}): OpQuantizer {
  const blockSize = options.blockSize ?? 64;
  const quantType = options.quantType ?? "nf4";
  const code = quantType === "nf4" ? NF4_CODE : FP4_CODE;
  return {
    opType: "MatMul",
    activationInputs: () => [],
    quantize(node: Node, ctx: QuantContext): QuantOutcome {
      const [a, b] = node.inputs;
      if (ctx.floatConstant(a)) return { quantized: false, reason: "input A is a constant" };
      const w = ctx.floatConstant(b);
      if (!w || w.dims.length !== 2) {
        return { quantized: false, reason: "input B is not a constant float 2-D weight" };
      }
      const [k, n] = w.dims;
      const q = quantizeBnb4(tensorToFloat32(w), { k, n, blockSize, code });
      const base = b.replace(/\.weight$/, "");
      ctx.addNode("MatMulBnb4", [
        a,
        ctx.addInitializer(`${base}.bnb4`, DataType.UINT8, [q.packed.length], q.packed),
        ctx.addInitializer(`${base}.absmax`, DataType.FLOAT, [q.absmax.length], q.absmax),
      ], {
        name: `${node.name}_MatMulBnb4`,
        outputs: [node.outputs[0]],
        domain: MS_DOMAIN,
        attributes: {
          K: attr.int(k),
          N: attr.int(n),
          block_size: attr.int(blockSize),
          quant_type: attr.int(quantType === "nf4" ? 1 : 0),
        },
      });
      ctx.remove([node]);
      return {
        quantized: true,
        scheme: `MatMulBnb4 ${quantType.toUpperCase()}, block ${blockSize}`,
      };
    },
  };
}
