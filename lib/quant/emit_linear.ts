/**
 * Writes one quantized linear layer `y = x · W (+ b)` (MatMul with a constant weight, or Gemm)
 * in the form each approach and format uses — the forms measured fastest in ONNX Runtime 1.30's
 * CPU provider that stay standard where possible:
 *
 * - dynamic: `DynamicQuantizeLinear(x)` (shared by all consumers of x) → `MatMulInteger` →
 *   `Cast` → `Mul(x_scale · w_scale)` (+ `Add(b)`): standard ONNX, what ORT's `quantize_dynamic`
 *   writes; ORT fuses it into `MatMulIntegerToFloat` / `DynamicQuantizeMatMul` with the bias.
 * - static QOperator: `QuantizeLinear(x)` (shared) → `com.microsoft.MatMulIntegerToFloat` with
 *   the bias inside (uint8 activations); int8 activations use `MatMulInteger` + `Cast` + `Mul`.
 * - static QDQ: `Q/DQ(x)` and `DQ(W)` → `MatMul`, which ORT fuses into `MatMulIntegerToFloat`;
 *   a bias is a float `Add` after it (`qdqBias: "float"`, default), which ORT folds into the next
 *   op, or (`qdqBias: "int32"`) a `Gemm(DQ(x), DQ(W), DQ(int32 b))` on a 2-D view of x (two free
 *   `Reshape`s), fused into `QGemm` with the bias inside — measured ~1.5× slower at batch 1 on
 *   full-size DistilBERT (ORT 1.30, AVX-512 VNNI), equal at batch 8.
 *
 * @module
 */

import { attr, DataType, MS_DOMAIN, type Node } from "../onnx/mod.ts";
import type { QuantContext, QuantizedValue } from "./quant_context.ts";
import type { QuantOutcome } from "./quantizer_registry.ts";
import { quantizeBias } from "./weight_quantization.ts";

/** One linear layer to quantize. */
export interface LinearSpec {
  /** The node replaced (MatMul or Gemm); names the new nodes. */
  node: Node;
  /** The float activation `x`. */
  input: string;
  /** The float constant weight. */
  weight: string;
  /** The weight is stored `[N, K]` (Gemm `transB`). */
  transposeWeight: boolean;
  /** A constant float bias of shape `[N]`, added after the product. */
  bias?: string;
  /** Where the result goes. */
  output: string;
  /** `x` is 2-D (Gemm): no reshapes are needed for the QDQ Gemm form. */
  inputIs2d: boolean;
}

/**
 * Writes the quantized form of `spec` (the caller removes the nodes it replaces), or returns why
 * it cannot. For quantizers of new op types that compute a linear layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { QuantContext } from "./quant_context.ts";
 * import { emitLinear } from "./emit_linear.ts";
 * import { resolveQuantOptions } from "./options.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const w = b.initializer("w", DataType.FLOAT, [2, 2], [1, -1, 0.5, 2]);
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 2], { rename: "y" });
 * const model = createModel(b.build());
 * const node = model.graph.nodes[0];
 * const ctx = new QuantContext(model, resolveQuantOptions("static", { format: "qoperator" }), "static",
 *   new Map([["x", { min: -1, max: 1 }]]));
 * const outcome = emitLinear(ctx, {
 *   node, input: "x", weight: "w", transposeWeight: false, output: "y", inputIs2d: true,
 * });
 * ctx.remove([node]);
 * ctx.finish();
 * assert.equal(outcome.quantized, true);
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["QuantizeLinear", "MatMulIntegerToFloat"]);
 * ```
 */
export function emitLinear(ctx: QuantContext, spec: LinearSpec): QuantOutcome {
  if (ctx.approach === "dynamic") {
    return emitDynamic(
      ctx,
      spec,
      ctx.weight(spec.weight, { axis: 1, transpose: spec.transposeWeight }),
    );
  }
  if (!ctx.range(spec.input)) return missingRange(spec.input);
  const qdq = ctx.options.format === "qdq";
  if (qdq && ctx.options.perChannel && ctx.opset < 13) return perAxisOpset(ctx);
  const w = ctx.weight(spec.weight, { axis: 1, transpose: spec.transposeWeight });
  const x = ctx.staticActivation(spec.input)!;
  if (!qdq) return emitQOperator(ctx, spec, x, w);
  if (spec.bias && ctx.options.qdqBias === "int32") return emitQdqGemm(ctx, spec, x, w);
  return emitQdqMatMul(ctx, spec, x, w);
}

/** The reason given when an activation has no calibrated range. */
export function missingRange(value: string): QuantOutcome {
  return {
    quantized: false,
    reason: `no calibration range for "${value}"; calibrate this model (with the same opTypes) ` +
      `and pass its result to quantizeStatic`,
  };
}

/** The reason given when per-channel DequantizeLinear needs a newer opset. */
export function perAxisOpset(ctx: QuantContext): QuantOutcome {
  return {
    quantized: false,
    reason: `per-channel DequantizeLinear needs opset 13+, the model has ${ctx.opset}; ` +
      `set perChannel: false or re-export at a newer opset`,
  };
}

/** A short description of a quantized weight (`int8 per-channel symmetric`). */
export function weightScheme(ctx: QuantContext, w: QuantizedValue): string {
  const sym = ctx.options.weightSymmetric ? "symmetric" : "asymmetric";
  const reduced = ctx.options.reduceRange ? ", 7-bit" : "";
  return `weight ${w.type} ${w.axis !== undefined ? "per-channel" : "per-tensor"} ${sym}${reduced}`;
}

/** A short description of a statically quantized activation. */
export function activationScheme(x: QuantizedValue): string {
  const zp = x.params?.zeroPoint[0];
  return `activation ${x.type} (zero point ${zp})`;
}

function emitDynamic(ctx: QuantContext, spec: LinearSpec, w: QuantizedValue): QuantOutcome {
  const x = ctx.dynamicActivation(spec.input);
  const scale = ctx.addNode("Mul", [x.scale, w.scale], {
    name: `${spec.node.name}_scale_Mul`,
  })[0];
  integerProduct(ctx, spec, x, w, scale, !spec.bias);
  return {
    quantized: true,
    scheme: `DynamicQuantizeLinear → MatMulInteger (uint8 × ${w.type}) → Cast → Mul` +
      `${spec.bias ? " → Add" : ""}; ${weightScheme(ctx, w)}`,
  };
}

/** `MatMulInteger → Cast → Mul(scale)` (+ `Add(bias)`) into `spec.output`. */
function integerProduct(
  ctx: QuantContext,
  spec: LinearSpec,
  x: QuantizedValue,
  w: QuantizedValue,
  scale: string,
  last: boolean,
): void {
  const base = spec.node.name;
  const [acc] = ctx.addNode("MatMulInteger", [x.data, w.data, x.zeroPoint, w.zeroPoint], {
    name: `${base}_MatMulInteger`,
  });
  const [float] = ctx.addNode("Cast", [acc], {
    name: `${base}_Cast`,
    attributes: { to: attr.int(DataType.FLOAT) },
  });
  if (last) {
    ctx.addNode("Mul", [float, scale], { name: `${base}_Mul`, outputs: [spec.output] });
    return;
  }
  const [scaled] = ctx.addNode("Mul", [float, scale], { name: `${base}_Mul` });
  ctx.addNode("Add", [scaled, spec.bias!], { name: `${base}_bias_Add`, outputs: [spec.output] });
}

function emitQOperator(
  ctx: QuantContext,
  spec: LinearSpec,
  x: QuantizedValue,
  w: QuantizedValue,
): QuantOutcome {
  if (x.type === "uint8") {
    ctx.addNode(
      "MatMulIntegerToFloat",
      [x.data, w.data, x.scale, w.scale, x.zeroPoint, w.zeroPoint, spec.bias ?? ""],
      { name: `${spec.node.name}_MatMulIntegerToFloat`, outputs: [spec.output], domain: MS_DOMAIN },
    );
    return {
      quantized: true,
      scheme: `QuantizeLinear → MatMulIntegerToFloat${spec.bias ? " (bias fused)" : ""}; ` +
        `${activationScheme(x)}, ${weightScheme(ctx, w)}`,
    };
  }
  const product = scaleProduct(x, w);
  const scale = ctx.addInitializer(
    `${spec.node.name}_scale`,
    DataType.FLOAT,
    [product.length],
    product,
  );
  integerProduct(ctx, spec, x, w, scale, !spec.bias);
  return {
    quantized: true,
    scheme: `QuantizeLinear → MatMulInteger → Cast → Mul${spec.bias ? " → Add" : ""}; ` +
      `${activationScheme(x)}, ${weightScheme(ctx, w)}`,
  };
}

function emitQdqMatMul(
  ctx: QuantContext,
  spec: LinearSpec,
  x: QuantizedValue,
  w: QuantizedValue,
): QuantOutcome {
  const dx = ctx.dequantized(x, spec.input);
  const dw = ctx.dequantized(w, w.data);
  if (!spec.bias) {
    ctx.addNode("MatMul", [dx, dw], { name: spec.node.name, outputs: [spec.output] });
  } else {
    const [product] = ctx.addNode("MatMul", [dx, dw], { name: spec.node.name });
    ctx.addNode("Add", [product, spec.bias], {
      name: `${spec.node.name}_bias_Add`,
      outputs: [spec.output],
    });
  }
  return {
    quantized: true,
    scheme: `QDQ MatMul${spec.bias ? " + float bias Add" : ""}; ${activationScheme(x)}, ` +
      weightScheme(ctx, w),
  };
}

function emitQdqGemm(
  ctx: QuantContext,
  spec: LinearSpec,
  x: QuantizedValue,
  w: QuantizedValue,
): QuantOutcome {
  const tensor = ctx.floatConstant(spec.bias!)!;
  const [k, n] = weightDims(w);
  const base = spec.node.name;
  const flat = spec.inputIs2d ? x : ctx.shared(`flat\0${x.data}\0${k}`, () => {
    const shape = ctx.addInitializer(`${spec.input}_2d_shape`, DataType.INT64, [2], [-1, k]);
    const [data] = ctx.addNode("Reshape", [x.data, shape], {
      name: `${spec.input}_Reshape_2d`,
      freshOutputs: [`${spec.input}_quantized_2d`],
    });
    return { ...x, data };
  });
  const dx = ctx.dequantized(flat, `${spec.input}_2d`);
  const dw = ctx.dequantized(w, w.data);
  const bias = quantizeBias(tensor.data as Float32Array, x.params!.scale[0], w.params!.scale);
  const biasQ = ctx.addInitializer(`${spec.bias}_quantized`, DataType.INT32, [n], bias.data);
  const biasScale = ctx.addInitializer(
    `${spec.bias}_scale`,
    DataType.FLOAT,
    bias.scale.length === 1 ? [] : [n],
    bias.scale,
  );
  const [db] = ctx.addNode("DequantizeLinear", [biasQ, biasScale], {
    name: `${spec.bias}_DequantizeLinear`,
    freshOutputs: [`${spec.bias}_dequantized`],
    attributes: bias.scale.length === 1 ? undefined : { axis: attr.int(0) },
  });
  if (spec.inputIs2d) {
    ctx.addNode("Gemm", [dx, dw, db], { name: `${base}_Gemm`, outputs: [spec.output] });
  } else {
    const [y2d] = ctx.addNode("Gemm", [dx, dw, db], { name: `${base}_Gemm` });
    ctx.addNode("Reshape", [y2d, outputShape(ctx, spec.input, n)], {
      name: `${base}_Reshape`,
      outputs: [spec.output],
    });
  }
  return {
    quantized: true,
    scheme: `QDQ Gemm with int32 bias${spec.inputIs2d ? "" : " on a 2-D view"}; ` +
      `${activationScheme(x)}, ${weightScheme(ctx, w)}`,
  };
}

/** `shape(x)[:-1] ++ [n]`, computed once per (x, n). */
function outputShape(ctx: QuantContext, input: string, n: number): string {
  const shape = ctx.shared(`shape\0${input}`, () => {
    const [full] = ctx.addNode("Shape", [input], { name: `${input}_Shape` });
    const starts = ctx.addInitializer(`${input}_shape_starts`, DataType.INT64, [1], [0]);
    const ends = ctx.addInitializer(`${input}_shape_ends`, DataType.INT64, [1], [-1]);
    return ctx.addNode("Slice", [full, starts, ends], { name: `${input}_Shape_Slice` })[0];
  });
  return ctx.shared(`shape\0${input}\0${n}`, () => {
    const last = ctx.addInitializer(`${input}_out_dim_${n}`, DataType.INT64, [1], [n]);
    return ctx.addNode("Concat", [shape, last], {
      name: `${input}_Shape_Concat_${n}`,
      attributes: { axis: attr.int(0) },
    })[0];
  });
}

function weightDims(w: QuantizedValue): [number, number] {
  return [w.dims![0], w.dims![1]];
}

/** `x_scale · w_scale` in float32, one per output channel (or one). */
export function scaleProduct(x: QuantizedValue, w: QuantizedValue): Float32Array {
  const xs = x.params!.scale[0];
  return w.params!.scale.map((s) => Math.fround(xs * s));
}
