/**
 * Block-wise weight quantization in the layout of ONNX Runtime's `MatMulNBits` contrib op: the
 * `[K, N]` weight of a `MatMul` is stored transposed, one row per output feature n, cut along K
 * into blocks of `blockSize` values that each get a scale (and, asymmetric, a zero point). Values
 * of `bits` bits are packed into bytes low bits first (two 4-bit values per byte: element 2j in
 * the low nibble, 2j+1 in the high one), so `B` is `[N, blocks, blockSize·bits/8]` bytes, scales
 * `[N, blocks]`, zero points `[N, ⌈blocks·bits/8⌉]` bytes packed the same way. A missing zero
 * point means `2^(bits-1)` (8 for 4-bit), which is how symmetric weights are written. A weight
 * value is `(q − zp) · scale`.
 *
 * @module
 */

import { roundHalfToEven } from "./params.ts";

/** Bit widths `MatMulNBits` takes on ONNX Runtime's CPU provider. */
export type BlockBits = 4 | 8;

/** How to quantize a weight block-wise. */
export interface BlockQuantOptions {
  bits: BlockBits;
  /** Values per block along K: a power of two ≥ 16 (16, 32, 64, 128). */
  blockSize: number;
  /** Zero point fixed at `2^(bits-1)` and left out of the model (default true). */
  symmetric?: boolean;
  /**
   * Rounds each scale before the values are quantized with it, e.g. to float16 for a model whose
   * scales are stored as float16 (q4f16), so the stored model dequantizes to the reference.
   */
  roundScale?: (scale: number) => number;
}

/** A weight quantized block-wise: the packed tensors plus the unpacked levels. */
export interface BlockQuantized {
  k: number;
  n: number;
  bits: BlockBits;
  blockSize: number;
  blocks: number;
  /** `[N, blocks, blockSize·bits/8]` packed levels (`MatMulNBits` input B). */
  packed: Uint8Array;
  /** `[N, blocks]` scales. */
  scales: Float32Array;
  /** `[N, blocks]` zero points (all `2^(bits-1)` when symmetric). */
  zeroPoints: Uint8Array;
  /** `[N, ⌈blocks·bits/8⌉]` packed zero points, undefined when symmetric. */
  packedZeroPoints?: Uint8Array;
  /** `[N, blocks·blockSize]` levels, one per byte (padding past K holds the zero point). */
  levels: Uint8Array;
}

/** Options that block quantization cannot take; the message names the value and the fix. */
export class BlockQuantError extends Error {
  override name = "BlockQuantError";
}

/** Checks `bits` and `blockSize`; throws {@link BlockQuantError} naming the bad one. */
export function checkBlockOptions(o: { bits: number; blockSize: number }): void {
  if (o.bits !== 4 && o.bits !== 8) {
    throw new BlockQuantError(`bits ${o.bits} is not supported; use 4 or 8.`);
  }
  if (!(o.blockSize >= 16 && Number.isInteger(Math.log2(o.blockSize)))) {
    throw new BlockQuantError(
      `blockSize ${o.blockSize} must be a power of two ≥ 16 (16, 32, 64 or 128).`,
    );
  }
}

/**
 * Scale and zero point of one block of values: symmetric, `scale = max|w| / (2^(bits-1) − 1)`
 * around the fixed zero point; asymmetric, the block's range widened to include 0 over all
 * `2^bits` levels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockParams } from "./block_quant.ts";
 * assert.deepEqual(blockParams([-1, 0.5, 0.25], { bits: 4, symmetric: true }), { scale: Math.fround(1 / 7), zeroPoint: 8 });
 * assert.deepEqual(blockParams([0, 1.5], { bits: 4, symmetric: false }), { scale: Math.fround(0.1), zeroPoint: 0 });
 * ```
 */
export function blockParams(
  values: ArrayLike<number>,
  o: { bits: number; symmetric: boolean; roundScale?: (s: number) => number },
): { scale: number; zeroPoint: number } {
  const qmax = (1 << o.bits) - 1;
  const mid = 1 << (o.bits - 1);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const round = o.roundScale ?? Math.fround;
  if (o.symmetric) {
    const absMax = Math.max(-lo, hi);
    const scale = absMax > 0 ? round(absMax / (mid - 1)) : 1;
    return { scale, zeroPoint: mid };
  }
  if (hi === lo) return { scale: 1, zeroPoint: mid };
  const scale = round((hi - lo) / qmax);
  const zeroPoint = Math.max(0, Math.min(qmax, roundHalfToEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** The level of `value` in a block with these parameters (round half to even, clamped). */
export function quantizeToLevel(
  value: number,
  scale: number,
  zeroPoint: number,
  bits: number,
): number {
  const q = roundHalfToEven(value / scale) + zeroPoint;
  return Math.max(0, Math.min((1 << bits) - 1, q));
}

/** A `[K, N]` weight's blocks being quantized: its shape and options, and per-block buffers. */
export interface BlockGrid {
  k: number;
  n: number;
  bits: BlockBits;
  blockSize: number;
  /** Blocks per output feature: ⌈K / blockSize⌉. */
  blocks: number;
  symmetric: boolean;
  roundScale?: (scale: number) => number;
  /** `[N, blocks]` scales. */
  scales: Float32Array;
  /** `[N, blocks]` zero points. */
  zeroPoints: Uint8Array;
  /** `[N, blocks·blockSize]` levels, one per byte. */
  levels: Uint8Array;
}

/**
 * Checks the options ({@link checkBlockOptions}) and allocates the blocks of a `[K, N]` weight,
 * for a quantizer to fill (with {@link setBlockParams}, then `levels`) and {@link packBlockwise}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockGrid } from "./block_quant.ts";
 * const g = blockGrid({ k: 40, n: 3 }, { bits: 4, blockSize: 16 });
 * assert.deepEqual([g.blocks, g.scales.length, g.levels.length, g.symmetric], [3, 9, 144, true]);
 * ```
 */
export function blockGrid(shape: { k: number; n: number }, options: BlockQuantOptions): BlockGrid {
  checkBlockOptions(options);
  const { k, n } = shape;
  const blocks = Math.ceil(k / options.blockSize);
  return {
    k,
    n,
    bits: options.bits,
    blockSize: options.blockSize,
    blocks,
    symmetric: options.symmetric ?? true,
    roundScale: options.roundScale,
    scales: new Float32Array(n * blocks),
    zeroPoints: new Uint8Array(n * blocks),
    levels: new Uint8Array(n * blocks * options.blockSize),
  };
}

/**
 * Chooses the scale and zero point of block `block` of output feature `col` from its values
 * ({@link blockParams} with the grid's options), stores them in the grid and returns them.
 */
export function setBlockParams(
  grid: BlockGrid,
  at: { col: number; block: number; values: ArrayLike<number> },
): { scale: number; zeroPoint: number } {
  const p = blockParams(at.values, grid);
  grid.scales[at.col * grid.blocks + at.block] = p.scale;
  grid.zeroPoints[at.col * grid.blocks + at.block] = p.zeroPoint;
  return p;
}

/**
 * Round-to-nearest block quantization of a `[K, N]` weight (row-major, as a `MatMul`'s B).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dequantizeBlockwise, quantizeBlockwise } from "./block_quant.ts";
 * const w = Float32Array.from({ length: 32 * 2 }, (_, i) => Math.sin(i));
 * const q = quantizeBlockwise(w, { k: 32, n: 2 }, { bits: 4, blockSize: 16 });
 * assert.equal(q.packed.length, 2 * 2 * 8); // [N, blocks, 16 · 4 / 8]
 * const back = dequantizeBlockwise(q);
 * assert.ok(back.every((v, i) => Math.abs(v - w[i]) <= q.scales[0] + q.scales[1] + q.scales[2] + q.scales[3]));
 * ```
 */
export function quantizeBlockwise(
  weight: Float32Array,
  shape: { k: number; n: number },
  options: BlockQuantOptions,
): BlockQuantized {
  const grid = blockGrid(shape, options);
  const { k, n, bits, blockSize, blocks, levels } = grid;
  const block = new Float32Array(blockSize);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < blocks; b++) {
      const start = b * blockSize;
      const len = Math.min(blockSize, k - start);
      for (let i = 0; i < len; i++) block[i] = weight[(start + i) * n + col];
      const p = setBlockParams(grid, { col, block: b, values: block.subarray(0, len) });
      const base = (col * blocks + b) * blockSize;
      for (let i = 0; i < blockSize; i++) {
        levels[base + i] = i < len
          ? quantizeToLevel(block[i], p.scale, p.zeroPoint, bits)
          : p.zeroPoint;
      }
    }
  }
  return packBlockwise(grid);
}

/** Packs levels and zero points (already computed, e.g. by GPTQ) into `MatMulNBits` tensors. */
export function packBlockwise(o: {
  k: number;
  n: number;
  bits: BlockBits;
  blockSize: number;
  blocks: number;
  scales: Float32Array;
  zeroPoints: Uint8Array;
  levels: Uint8Array;
  symmetric: boolean;
}): BlockQuantized {
  const packed = packBits(o.levels, o.bits);
  let packedZeroPoints: Uint8Array | undefined;
  if (!o.symmetric) {
    const perRow = Math.ceil((o.blocks * o.bits) / 8);
    packedZeroPoints = new Uint8Array(o.n * perRow);
    for (let col = 0; col < o.n; col++) {
      const row = packBits(o.zeroPoints.subarray(col * o.blocks, (col + 1) * o.blocks), o.bits);
      packedZeroPoints.set(row, col * perRow);
    }
  }
  return {
    k: o.k,
    n: o.n,
    bits: o.bits,
    blockSize: o.blockSize,
    blocks: o.blocks,
    packed,
    scales: o.scales,
    zeroPoints: o.zeroPoints,
    packedZeroPoints,
    levels: o.levels,
  };
}

/**
 * Packs values of `bits` bits into bytes, low bits first (8 bits: a copy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packBits } from "./block_quant.ts";
 * assert.deepEqual([...packBits(Uint8Array.from([1, 2, 15]), 4)], [0x21, 0x0f]);
 * ```
 */
export function packBits(values: Uint8Array, bits: number): Uint8Array {
  if (bits === 8) return Uint8Array.from(values);
  const perByte = 8 / bits;
  const out = new Uint8Array(Math.ceil(values.length / perByte));
  const mask = (1 << bits) - 1;
  for (let i = 0; i < values.length; i++) {
    out[Math.floor(i / perByte)] |= (values[i] & mask) << ((i % perByte) * bits);
  }
  return out;
}

/**
 * The kit's reference dequantization: the `[K, N]` float weight a {@link BlockQuantized} stands
 * for, computed from the *packed* tensors as `MatMulNBits` reads them.
 */
export function dequantizeBlockwise(q: BlockQuantized): Float32Array {
  const { k, n, bits, blockSize, blocks } = q;
  const out = new Float32Array(k * n);
  const mask = (1 << bits) - 1;
  const perByte = 8 / bits;
  const blob = (blockSize * bits) / 8;
  const zpPerRow = Math.ceil((blocks * bits) / 8);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < blocks; b++) {
      const scale = q.scales[col * blocks + b];
      const zp = q.packedZeroPoints
        ? (q.packedZeroPoints[col * zpPerRow + Math.floor(b / perByte)] >>
          ((b % perByte) * bits)) & mask
        : 1 << (bits - 1);
      for (let i = 0; i < blockSize; i++) {
        const kk = b * blockSize + i;
        if (kk >= k) break;
        const byte = q.packed[(col * blocks + b) * blob + Math.floor(i / perByte)];
        const level = (byte >> ((i % perByte) * bits)) & mask;
        out[kk * n + col] = Math.fround((level - zp) * scale);
      }
    }
  }
  return out;
}
