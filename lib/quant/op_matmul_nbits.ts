/**
 * Weight-only op quantizers: a `MatMul` with a constant 2-D weight (float or float16) becomes ONNX
 * Runtime's `MatMulNBits` (com.microsoft; 4- or 8-bit block-wise weights, activations stay float),
 * quantized by round-to-nearest or by GPTQ; an embedding `Gather` becomes `GatherBlockQuantized`
 * (4-bit rows in the same packing). The bias `Add`, if any, stays as it is.
 *
 * @module
 */

import {
  attr,
  DataType,
  float16ToFloat32,
  float32ToFloat16,
  fromFloat16Bits,
  getAttribute,
  MS_DOMAIN,
  type Node,
  type Tensor,
  tensorToFloat32,
  toFloat16Bits,
} from "../onnx/mod.ts";
import type { QuantContext } from "./quant_context.ts";
import type { OpQuantizer, QuantOutcome } from "./quantizer_registry.ts";
import { type BlockBits, type BlockQuantized, quantizeBlockwise } from "./block_quant.ts";
import { gptqQuantize } from "./gptq.ts";

/** Options of the weight-only quantizers. */
export interface WeightOnlyQuantizerOptions {
  /** 4 (default) or 8. */
  bits?: BlockBits;
  /** Values per block along K (default 32). */
  blockSize?: number;
  /** Symmetric blocks, no zero points stored (default true). */
  symmetric?: boolean;
  /**
   * `MatMulNBits`'s `accuracy_level`: 0 unset, 1 fp32, 2 fp16, 3 bf16, 4 int8 compute (ORT
   * quantizes the activations per block to int8 at run time when the CPU has a kernel for it).
   * Default 0.
   */
  accuracyLevel?: 0 | 1 | 2 | 3 | 4;
  /** `"rtn"` round-to-nearest (default) or `"gptq"` (needs {@link hessians}). */
  method?: "rtn" | "gptq";
  /** GPTQ: `Σ x xᵀ` of each Linear's input, by input value name (`collectLinearInputs`). */
  hessians?: ReadonlyMap<string, Float64Array>;
  /** GPTQ damping as a share of the Hessian's mean diagonal (default 0.01). */
  damp?: number;
}

/** A float or float16 constant 2-D tensor's values as float32, or undefined. */
function constant2d(ctx: QuantContext, value: string): Tensor | undefined {
  const t = ctx.constant(value);
  if (!t || t.dims.length !== 2) return undefined;
  return t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16 ? t : undefined;
}

function values(t: Tensor): Float32Array {
  return t.dataType === DataType.FLOAT16
    ? float16ToFloat32(t.data as Uint16Array)
    : tensorToFloat32(t);
}

const roundToFloat16 = (s: number) => fromFloat16Bits(toFloat16Bits(s));

/** Stores scales in the element type of the model's activations. */
function scaleTensorValues(q: BlockQuantized, half: boolean): Float32Array | Uint16Array {
  return half ? float32ToFloat16(q.scales) : q.scales;
}

/**
 * The `MatMul` → `MatMulNBits` quantizer with these options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matMulNBitsQuantizer } from "./op_matmul_nbits.ts";
 * assert.equal(matMulNBitsQuantizer({ bits: 4, blockSize: 32 }).opType, "MatMul");
 * ```
 */
export function matMulNBitsQuantizer(options: WeightOnlyQuantizerOptions = {}): OpQuantizer {
  const bits = options.bits ?? 4;
  const blockSize = options.blockSize ?? 32;
  const symmetric = options.symmetric ?? true;
  const method = options.method ?? "rtn";
  return {
    opType: "MatMul",
    activationInputs: () => [],
    quantize(node: Node, ctx: QuantContext): QuantOutcome {
      const [a, b] = node.inputs;
      if (constant2d(ctx, a)) return { quantized: false, reason: "input A is a constant" };
      const w = constant2d(ctx, b);
      if (!w) return { quantized: false, reason: "input B is not a constant 2-D weight" };
      const [k, n] = w.dims;
      const half = w.dataType === DataType.FLOAT16;
      const shape = { k, n };
      const roundScale = half ? roundToFloat16 : undefined;
      const block = { bits, blockSize, symmetric, roundScale };
      let q: BlockQuantized;
      if (method === "gptq") {
        const h = options.hessians?.get(a);
        if (!h) {
          return {
            quantized: false,
            reason: `no Hessian for input "${a}"; collect it with collectLinearInputs`,
          };
        }
        q = gptqQuantize(values(w), h, shape, { ...block, damp: options.damp });
      } else {
        q = quantizeBlockwise(values(w), shape, block);
      }
      const base = b.replace(/\.weight$/, "");
      const blob = (blockSize * bits) / 8;
      const inputs = [
        a,
        ctx.addInitializer(`${base}.q${bits}`, DataType.UINT8, [n, q.blocks, blob], q.packed),
        ctx.addInitializer(
          `${base}.scales`,
          half ? DataType.FLOAT16 : DataType.FLOAT,
          [n, q.blocks],
          scaleTensorValues(q, half),
        ),
      ];
      if (q.packedZeroPoints) {
        inputs.push(
          ctx.addInitializer(
            `${base}.zero_points`,
            DataType.UINT8,
            [q.packedZeroPoints.length],
            q.packedZeroPoints,
          ),
        );
      }
      ctx.addNode("MatMulNBits", inputs, {
        name: `${node.name}_MatMulNBits`,
        outputs: [node.outputs[0]],
        domain: MS_DOMAIN,
        attributes: {
          K: attr.int(k),
          N: attr.int(n),
          bits: attr.int(bits),
          block_size: attr.int(blockSize),
          accuracy_level: attr.int(options.accuracyLevel ?? 0),
        },
      });
      ctx.remove([node]);
      return {
        quantized: true,
        scheme: `MatMulNBits ${bits}-bit, block ${blockSize}, ${
          symmetric ? "symmetric" : "asymmetric"
        }, ${method.toUpperCase()}${half ? ", float16 scales" : ""}`,
      };
    },
  };
}

/**
 * The embedding `Gather` → `GatherBlockQuantized` quantizer: each row of the table in 4-bit
 * symmetric blocks along the hidden axis (uint8 bytes holding two values, zero point 8), the
 * scales in the table's float type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherBlockQuantizer } from "./op_matmul_nbits.ts";
 * assert.equal(gatherBlockQuantizer({ blockSize: 32 }).opType, "Gather");
 * ```
 */
export function gatherBlockQuantizer(options: { blockSize?: number } = {}): OpQuantizer {
  const blockSize = options.blockSize ?? 32;
  return {
    opType: "Gather",
    activationInputs: () => [],
    quantize(node: Node, ctx: QuantContext): QuantOutcome {
      const [data, indices] = node.inputs;
      const table = constant2d(ctx, data);
      if (!table) return { quantized: false, reason: "data is not a constant float table" };
      if (getAttribute(node, "axis", "int", 0) !== 0) {
        return { quantized: false, reason: "not an embedding lookup (axis 0)" };
      }
      const [rows, dim] = table.dims;
      if (dim % blockSize !== 0) {
        return {
          quantized: false,
          reason: `hidden size ${dim} is not a multiple of block ${blockSize}`,
        };
      }
      const half = table.dataType === DataType.FLOAT16;
      // Rows of the table are the "columns" of a [dim, rows] weight: blocks run along dim.
      const q = quantizeBlockwise(values(table), { k: rows * dim, n: 1 }, {
        bits: 4,
        blockSize,
        roundScale: half ? roundToFloat16 : undefined,
      });
      const base = data.replace(/\.weight$/, "");
      ctx.addNode("GatherBlockQuantized", [
        ctx.addInitializer(`${base}.q4`, DataType.UINT8, [rows, dim / 2], q.packed),
        indices,
        ctx.addInitializer(
          `${base}.scales`,
          half ? DataType.FLOAT16 : DataType.FLOAT,
          [rows, dim / blockSize],
          scaleTensorValues(q, half),
        ),
      ], {
        name: `${node.name}_GatherBlockQuantized`,
        outputs: [node.outputs[0]],
        domain: MS_DOMAIN,
        attributes: {
          gather_axis: attr.int(0),
          quantize_axis: attr.int(1),
          block_size: attr.int(blockSize),
          bits: attr.int(4),
        },
      });
      ctx.remove([node]);
      return {
        quantized: true,
        scheme: `GatherBlockQuantized 4-bit rows, block ${blockSize}, symmetric`,
      };
    },
  };
}
