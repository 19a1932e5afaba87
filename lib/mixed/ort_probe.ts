/**
 * Finds out, by running it, whether ONNX Runtime's CPU execution provider has a kernel for an
 * operator in FLOAT16 or BFLOAT16: a one-node model whose float inputs are constants of the
 * type under test, whose float outputs are cast to float32, run once and compared with the same
 * model in float32. This is how the table in `ort_support.ts` was made, and how its test checks
 * that the installed runtime still agrees.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  attr,
  type AttributeValue,
  createModel,
  DataType,
  encodeModel,
  float32ToBfloat16,
  float32ToFloat16,
  GraphBuilder,
  type Model,
  readModel,
  type TensorValues,
} from "../onnx/mod.ts";
import type { PrecisionTarget } from "./options.ts";
import type { KernelSupport } from "./ort_support.ts";

/** A float input of the probed node: a constant of the type under test with these dims. */
export interface ProbeFloatInput {
  kind: "float";
  dims: number[];
  /** Values in (0.5, 1.5) instead of (-1, 1), for Sqrt, Log, divisors, variances. */
  positive?: boolean;
}

/** A non-float input of the probed node (shapes, axes, indices, conditions). */
export interface ProbeFixedInput {
  kind: "fixed";
  dataType: DataType;
  dims: number[];
  values: TensorValues;
}

/** An input left out (`""`), for optional inputs before a given one. */
export interface ProbeOmittedInput {
  kind: "omitted";
}

/** One input of a probe. */
export type ProbeInput = ProbeFloatInput | ProbeFixedInput | ProbeOmittedInput;

/** How to build a one-node model of an operator. */
export interface ProbeSpec {
  inputs: ProbeInput[];
  attributes?: Record<string, AttributeValue>;
  /** Element type of each output: `"float"` (the type under test) or a fixed type (default one float). */
  outputs?: ("float" | DataType)[];
  domain?: string;
  /** Lowest default-domain opset the spec is valid for (the probe raises the opset to it). */
  minOpset?: number;
}

const f = (...dims: number[]): ProbeFloatInput => ({ kind: "float", dims });
const pos = (...dims: number[]): ProbeFloatInput => ({ kind: "float", dims, positive: true });
const i64 = (values: number[], dims = [values.length]): ProbeFixedInput => ({
  kind: "fixed",
  dataType: DataType.INT64,
  dims,
  values: values.map(BigInt),
});
const unary = (): ProbeSpec => ({ inputs: [f(2, 3)] });
const unaryPositive = (): ProbeSpec => ({ inputs: [pos(2, 3)] });
const binary = (): ProbeSpec => ({ inputs: [f(2, 3), f(2, 3)] });
const ms = "com.microsoft";

/**
 * Probe specs by op type (`"com.microsoft:Gelu"` for contrib ops), for the opset `opset`: the
 * operators the AMP categories list, so each entry of the support table can be re-checked.
 */
export function probeSpecs(opset: number): Record<string, ProbeSpec> {
  const reduceAxes = (op: string): ProbeSpec =>
    (op === "ReduceSum" ? opset >= 13 : opset >= 18)
      ? { inputs: [f(2, 3), i64([-1])] }
      : { inputs: [f(2, 3)], attributes: { axes: attr.ints([-1]) } };
  return {
    MatMul: { inputs: [f(2, 3), f(3, 4)] },
    Gemm: { inputs: [f(2, 3), f(3, 4), f(4)] },
    Conv: { inputs: [f(1, 1, 5, 5), f(2, 1, 3, 3), f(2)] },
    ConvTranspose: { inputs: [f(1, 1, 3, 3), f(1, 2, 3, 3)] },
    Einsum: { inputs: [f(2, 3), f(3, 4)], attributes: { equation: attr.string("ij,jk->ik") } },
    Relu: unary(),
    LeakyRelu: unary(),
    Sigmoid: unary(),
    Tanh: unary(),
    Erf: unary(),
    Gelu: { inputs: [f(2, 3)], minOpset: 20 },
    Neg: unary(),
    Abs: unary(),
    Identity: unary(),
    Sqrt: unaryPositive(),
    Exp: unary(),
    Log: unaryPositive(),
    Reciprocal: unaryPositive(),
    Max: binary(),
    Min: binary(),
    Add: binary(),
    Sub: binary(),
    Mul: binary(),
    Div: { inputs: [f(2, 3), pos(2, 3)] },
    Pow: { inputs: [pos(2, 3), f(1)] },
    Clip: { inputs: [f(2, 3), f(), pos()] },
    Where: {
      inputs: [
        { kind: "fixed", dataType: DataType.BOOL, dims: [2, 3], values: [1, 0, 1, 0, 1, 1] },
        f(2, 3),
        f(2, 3),
      ],
    },
    Equal: { inputs: [f(2, 3), f(2, 3)], outputs: [DataType.BOOL] },
    MaxPool: { inputs: [f(1, 1, 4, 4)], attributes: { kernel_shape: attr.ints([2, 2]) } },
    AveragePool: { inputs: [f(1, 1, 4, 4)], attributes: { kernel_shape: attr.ints([2, 2]) } },
    GlobalAveragePool: { inputs: [f(1, 1, 4, 4)] },
    Reshape: { inputs: [f(2, 3), i64([3, 2])] },
    Transpose: { inputs: [f(2, 3)], attributes: { perm: attr.ints([1, 0]) } },
    Gather: { inputs: [f(4, 3), i64([0, 2])] },
    Concat: { inputs: [f(2, 3), f(2, 3)], attributes: { axis: attr.int(0) } },
    Split: {
      inputs: [f(4, 3)],
      attributes: { axis: attr.int(0), ...(opset >= 18 ? { num_outputs: attr.int(2) } : {}) },
      outputs: ["float", "float"],
    },
    Squeeze: { inputs: [f(1, 3), i64([0])] },
    Unsqueeze: { inputs: [f(3), i64([0])] },
    Flatten: { inputs: [f(2, 3, 2)] },
    Slice: { inputs: [f(4, 3), i64([1]), i64([3]), i64([0])] },
    Expand: { inputs: [f(1, 3), i64([2, 3])] },
    Tile: { inputs: [f(2, 3), i64([2, 1])] },
    Pad: { inputs: [f(2, 3), i64([1, 1, 1, 1])] },
    Shape: { inputs: [f(2, 3)], outputs: [DataType.INT64] },
    Size: { inputs: [f(2, 3)], outputs: [DataType.INT64] },
    Range: { inputs: [f(), pos(), pos()] },
    Softmax: { inputs: [f(2, 3)], attributes: { axis: attr.int(-1) } },
    LogSoftmax: { inputs: [f(2, 3)], attributes: { axis: attr.int(-1) } },
    LayerNormalization: { inputs: [f(2, 4), f(4), f(4)], minOpset: 17 },
    ReduceMean: reduceAxes("ReduceMean"),
    ReduceSum: reduceAxes("ReduceSum"),
    ReduceMax: reduceAxes("ReduceMax"),
    CumSum: {
      inputs: [f(2, 3), { kind: "fixed", dataType: DataType.INT64, dims: [], values: [1n] }],
    },
    InstanceNormalization: { inputs: [f(1, 2, 3), f(2), f(2)] },
    BatchNormalization: { inputs: [f(1, 2, 3), f(2), f(2), f(2), pos(2)] },
    [`${ms}:FusedMatMul`]: { inputs: [f(2, 3), f(3, 4)], domain: ms },
    [`${ms}:Gelu`]: { inputs: [f(2, 4)], domain: ms },
    [`${ms}:FastGelu`]: { inputs: [f(2, 4), f(4)], domain: ms },
    [`${ms}:BiasGelu`]: { inputs: [f(2, 4), f(4)], domain: ms },
    [`${ms}:SkipLayerNormalization`]: {
      inputs: [f(1, 2, 4), f(1, 2, 4), f(4), f(4)],
      domain: ms,
    },
  };
}

/**
 * The ONNX element type of a precision target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType } from "../onnx/mod.ts";
 * import { targetDataType } from "./ort_probe.ts";
 * assert.equal(targetDataType("bf16"), DataType.BFLOAT16);
 * ```
 */
export function targetDataType(target: PrecisionTarget): DataType {
  return target === "fp16" ? DataType.FLOAT16 : DataType.BFLOAT16;
}

/** Where `opKey` is `"Op"` or `"domain:Op"`. */
function splitOpKey(opKey: string): { domain: string; opType: string } {
  const at = opKey.lastIndexOf(":");
  return at < 0
    ? { domain: "", opType: opKey }
    : { domain: opKey.slice(0, at), opType: opKey.slice(at + 1) };
}

function probeValues(count: number, positive: boolean, salt: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = ((i * 7 + salt * 13 + 3) % 17) / 17; // deterministic, in [0, 1)
    out[i] = positive ? 0.5 + u : 2 * u - 1;
  }
  return out;
}

/** Options of {@link buildProbeModel}. */
export interface BuildProbeOptions {
  /** `"fp16"`, `"bf16"`, or `"fp32"` for the reference. */
  type: PrecisionTarget | "fp32";
  /** Default-domain opset of the model (raised to the spec's `minOpset`). */
  opset: number;
}

/**
 * The one-node model of `spec`: float inputs are initializers of the probed type, float outputs
 * are cast to float32 (graph outputs `y0`, `y1`, …).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildProbeModel, probeSpecs } from "./ort_probe.ts";
 * const model = buildProbeModel("Relu", probeSpecs(17).Relu, { type: "fp16", opset: 17 });
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["Relu", "Cast"]);
 * ```
 */
export function buildProbeModel(opKey: string, spec: ProbeSpec, options: BuildProbeOptions): Model {
  const { domain, opType } = splitOpKey(opKey);
  const floatType = options.type === "fp32" ? DataType.FLOAT : targetDataType(options.type);
  const b = new GraphBuilder(`probe_${opType}`);
  const inputs = spec.inputs.map((input, i) => {
    if (input.kind === "omitted") return "";
    if (input.kind === "fixed") {
      return b.initializer(`in${i}`, input.dataType, input.dims, input.values);
    }
    const count = input.dims.reduce((n, d) => n * d, 1);
    const values = probeValues(count, input.positive ?? false, i);
    const data = floatType === DataType.FLOAT16
      ? float32ToFloat16(values)
      : floatType === DataType.BFLOAT16
      ? float32ToBfloat16(values)
      : values;
    return b.initializer(`in${i}`, floatType, input.dims, data);
  });
  const outTypes = spec.outputs ?? ["float"];
  const outs = b.node(opType, inputs, {
    name: opType,
    domain,
    attributes: spec.attributes,
    outputs: outTypes.length,
  });
  outs.forEach((out, i) => {
    const type = outTypes[i];
    if (type === "float") {
      const y = floatType === DataType.FLOAT
        ? b.op("Identity", [out], { output: `y${i}` })
        : b.op("Cast", [out], { attributes: { to: attr.int(DataType.FLOAT) }, output: `y${i}` });
      b.output(y, DataType.FLOAT);
    } else {
      b.output(b.op("Identity", [out], { output: `y${i}` }), type);
    }
  });
  const opset = Math.max(options.opset, spec.minOpset ?? 0);
  return createModel(b.build(), {
    opset,
    extraOpsets: domain ? [{ domain, version: 1 }] : [],
  });
}

/** What {@link probeOrtOp} found. */
export interface ProbeResult {
  op: string;
  target: PrecisionTarget;
  opset: number;
  /**
   * `"native"`: the CPU provider has a kernel in the target type; `"ort-casts"`: ORT loaded the
   * model only by inserting its own Casts to float32 around the node (it computes in float32);
   * `"none"`: ORT cannot load the node in that type.
   */
  support: KernelSupport;
  /** Casts ORT inserted around the node (0 when native). */
  insertedCasts?: number;
  /** Largest |output − float32 output| when supported (the kernel is not only present but right). */
  maxAbsError?: number;
  /** ORT's message when it was not supported (first line). */
  error?: string;
}

/** An operator without a probe spec. */
export class UnknownProbeOpError extends Error {
  override name = "UnknownProbeOpError";
}

interface ProbeRun {
  outputs: Float32Array[];
  /** Cast nodes in the graph ORT runs (after its own transformers). */
  runtimeCasts: number;
}

async function runProbe(model: Model): Promise<ProbeRun> {
  const dir = await mkdtemp(join(tmpdir(), "ort-probe-"));
  const optimized = join(dir, "optimized.onnx");
  try {
    const session = await ort.InferenceSession.create(encodeModel(model), {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "disabled",
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      optimizedModelFilePath: optimized,
    });
    try {
      const out = await session.run({});
      return {
        outputs: model.graph.outputs.map((o) =>
          Float32Array.from(out[o.name].data as ArrayLike<number>, Number)
        ),
        runtimeCasts: (await readModel(optimized)).graph.nodes.filter((n) => n.opType === "Cast")
          .length,
      };
    } finally {
      await session.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Whether ONNX Runtime's CPU provider runs `op` (`"MatMul"`, `"com.microsoft:Gelu"`) in the target
 * type at `opset`, and how far its output is from float32's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeOrtOp } from "./ort_probe.ts";
 * const result = await probeOrtOp("Reshape", "bf16", { opset: 17 });
 * assert.equal(result.support, "native");
 * assert.ok(result.maxAbsError! < 1e-2);
 * ```
 */
export async function probeOrtOp(
  op: string,
  target: PrecisionTarget,
  options: { opset: number },
): Promise<ProbeResult> {
  const spec = probeSpecs(options.opset)[op];
  if (!spec) {
    throw new UnknownProbeOpError(
      `No probe spec for op "${op}"; add one to probeSpecs in lib/mixed/ort_probe.ts.`,
    );
  }
  const opset = Math.max(options.opset, spec.minOpset ?? 0);
  const reference = await runProbe(buildProbeModel(op, spec, { type: "fp32", opset }));
  const model = buildProbeModel(op, spec, { type: target, opset });
  let run: ProbeRun;
  try {
    run = await runProbe(model);
  } catch (error) {
    const message = String((error as Error).message ?? error).split("\n")[0];
    return { op, target, opset, support: "none", error: message };
  }
  let maxAbsError = 0;
  run.outputs.forEach((values, k) => {
    values.forEach((v, i) => {
      maxAbsError = Math.max(maxAbsError, Math.abs(v - reference.outputs[k][i]));
    });
  });
  const insertedCasts = run.runtimeCasts -
    model.graph.nodes.filter((n) => n.opType === "Cast").length;
  return {
    op,
    target,
    opset,
    support: insertedCasts > 0 ? "ort-casts" : "native",
    insertedCasts,
    maxAbsError,
  };
}
