/**
 * Shape rules of {@link ShapeFacts}: for each op (`"Add"`, `"com.microsoft:Attention"`), the
 * element type, symbolic shape and tracked integer values of its outputs. Rules cover the ops of
 * exported transformers and small CNNs; an op without a rule leaves its outputs unknown, which
 * only makes passes more careful.
 *
 * @module
 */

import { getAttribute } from "./attribute.ts";
import { DataType } from "./data_type.ts";
import type { Node } from "./model.ts";
import {
  MAX_TRACKED_VALUES,
  type RuleContext,
  type ShapeRule,
  type SymDim,
  type ValueFacts,
} from "./shape_types.ts";

/** Broadcasts two dims (numpy rules; two different symbols give a fresh one). */
export function broadcastDim(a: SymDim, b: SymDim, fresh: () => string): SymDim {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (typeof a === "number" && typeof b === "string") return a;
  if (typeof b === "number" && typeof a === "string") return b;
  return fresh();
}

/** Broadcasts shapes (numpy rules), or `undefined` when a rank is unknown. */
export function broadcastShapes(
  shapes: (SymDim[] | undefined)[],
  fresh: () => string,
): SymDim[] | undefined {
  if (shapes.some((s) => !s)) return undefined;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: SymDim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: SymDim = 1;
    for (const s of shapes as SymDim[][]) {
      const d = s[s.length - rank + i];
      if (d !== undefined) dim = broadcastDim(dim, d, fresh);
    }
    out.push(dim);
  }
  return out;
}

/** Output dims of a Reshape of `data` to `target` (0 copies, -1 infers; symbols resolved). */
export function reshapeDims(
  data: SymDim[] | undefined,
  target: SymDim[],
  allowZero: boolean,
  fresh: () => string,
): SymDim[] {
  const out = target.map((t, i) => (t === 0 && !allowZero ? (data?.[i] ?? fresh()) : t));
  const minus = out.indexOf(-1);
  if (minus < 0) return out;
  if (!data) {
    out[minus] = fresh();
    return out;
  }
  let num = 1;
  let den = 1;
  const symbols: string[] = [];
  for (const d of data) typeof d === "number" ? (num *= d) : symbols.push(d);
  let resolved = true;
  out.forEach((d, j) => {
    if (j === minus) return;
    if (typeof d === "number") den *= d;
    else {
      const k = symbols.indexOf(d);
      if (k >= 0) symbols.splice(k, 1);
      else resolved = false;
    }
  });
  if (resolved && symbols.length === 0 && den !== 0 && num % den === 0) out[minus] = num / den;
  else if (resolved && symbols.length === 1 && num === den) out[minus] = symbols[0];
  else out[minus] = fresh();
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Integer values of input `i`: a constant's, or tracked numeric ones; `undefined` otherwise. */
function intValues(ctx: RuleContext, i: number): number[] | undefined {
  const v = ctx.inputs[i]?.value;
  return v && v.every((d) => typeof d === "number") ? (v as number[]) : undefined;
}

function ints(node: Node, name: string): number[] | undefined {
  const a = node.attributes[name];
  return a?.type === "ints" ? a.value : undefined;
}

/** Axes of a reduction/Unsqueeze/Squeeze: the attribute before `inputFrom`, the input after. */
function axesOf(ctx: RuleContext, inputFrom: number): number[] | undefined {
  if (ctx.opset >= inputFrom) return ctx.node.inputs[1] ? intValues(ctx, 1) : undefined;
  return ints(ctx.node, "axes");
}

function sameAsFirst(elemType?: number): ShapeRule {
  return (ctx) => {
    const x = ctx.inputs[0];
    if (!x) return [];
    return [{ ...x, elemType: elemType ?? x.elemType, value: elemType ? undefined : x.value }];
  };
}

function elementwise(elemType: "first" | "bool" | "second"): ShapeRule {
  return (ctx) => {
    const shape = broadcastShapes(ctx.inputs.map((i) => i?.shape), ctx.fresh);
    const type = elemType === "bool"
      ? DataType.BOOL
      : (ctx.inputs[elemType === "first" ? 0 : 1]?.elemType ?? 0);
    const facts: ValueFacts = { elemType: type, ...(shape ? { shape } : {}) };
    const value = arithmetic(ctx);
    if (value) facts.value = value;
    return [facts];
  };
}

/** Integer arithmetic on tracked values (shape computations such as `seq * 2`). */
function arithmetic(ctx: RuleContext): SymDim[] | undefined {
  const ops: Record<string, (a: number, b: number) => number> = {
    Add: (a, b) => a + b,
    Sub: (a, b) => a - b,
    Mul: (a, b) => a * b,
    Div: (a, b) => Math.trunc(a / b),
  };
  const f = ops[ctx.node.opType];
  const a = intValues(ctx, 0);
  const b = intValues(ctx, 1);
  if (!f || !a || !b || ctx.node.domain !== "") return undefined;
  if (a.length !== b.length && a.length !== 1 && b.length !== 1) return undefined;
  const n = Math.max(a.length, b.length);
  return Array.from(
    { length: n },
    (_, i) => f(a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]),
  );
}

const shapeOp: ShapeRule = (ctx) => {
  const x = ctx.inputs[0]?.shape;
  if (!x) return [{ elemType: DataType.INT64 }];
  const start = normAxis(getAttribute(ctx.node, "start", "int", 0), x.length);
  const endAttr = getAttribute(ctx.node, "end", "int", x.length);
  const end = Math.min(normAxis(endAttr, x.length), x.length);
  const value = x.slice(Math.max(0, start), end);
  return [{ elemType: DataType.INT64, shape: [value.length], value }];
};

const gather: ShapeRule = (ctx) => {
  const [data, indices] = ctx.inputs;
  if (!data) return [];
  const facts: ValueFacts = { elemType: data.elemType };
  if (data.shape && indices?.shape) {
    const axis = normAxis(getAttribute(ctx.node, "axis", "int", 0), data.shape.length);
    facts.shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
    const idx = intValues(ctx, 1);
    if (data.value && data.shape.length === 1 && idx) {
      const n = data.value.length;
      facts.value = idx.map((i) => data.value![i < 0 ? i + n : i]);
      if (facts.value.some((v) => v === undefined)) delete facts.value;
    }
  }
  return [facts];
};

const unsqueeze: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  const axes = axesOf(ctx, 13);
  if (!x) return [];
  if (!x.shape || !axes) return [{ elemType: x.elemType }];
  const rank = x.shape.length + axes.length;
  const norm = new Set(axes.map((a) => normAxis(a, rank)));
  const shape: SymDim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.has(i) ? 1 : x.shape[k++]);
  return [{ elemType: x.elemType, shape, ...(x.value ? { value: x.value } : {}) }];
};

const squeeze: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  if (!x) return [];
  if (!x.shape) return [{ elemType: x.elemType }];
  const axes = axesOf(ctx, 13);
  const shape = x.shape;
  const drop = axes
    ? new Set(axes.map((a) => normAxis(a, shape.length)))
    : new Set(shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  if (!axes && shape.some((d) => typeof d === "string")) return [{ elemType: x.elemType }];
  return [{
    elemType: x.elemType,
    shape: shape.filter((_, i) => !drop.has(i)),
    ...(x.value ? { value: x.value } : {}),
  }];
};

const concat: ShapeRule = (ctx) => {
  const inputs = ctx.inputs;
  const first = inputs[0];
  if (!first) return [];
  const facts: ValueFacts = { elemType: first.elemType };
  if (inputs.every((i) => i?.shape && i.shape.length === first.shape!.length)) {
    const rank = first.shape!.length;
    const axis = normAxis(getAttribute(ctx.node, "axis", "int", 0), rank);
    const dims = inputs.map((i) => i!.shape![axis]);
    const total = dims.every((d) => typeof d === "number")
      ? (dims as number[]).reduce((a, b) => a + b, 0)
      : dims.filter((d) => d !== 0).length === 1
      ? dims.find((d) => d !== 0)!
      : ctx.fresh();
    facts.shape = first.shape!.map((d, i) => (i === axis ? total : d));
    if (rank === 1 && inputs.every((i) => i!.value)) {
      const value = inputs.flatMap((i) => i!.value!);
      if (value.length <= MAX_TRACKED_VALUES) facts.value = value;
    }
  }
  return [facts];
};

const reshape: ShapeRule = (ctx) => {
  const [data, shapeIn] = ctx.inputs;
  if (!data) return [];
  const target = shapeIn?.value;
  if (!target) {
    const rank = shapeIn?.shape?.[0];
    return [{
      elemType: data.elemType,
      ...(typeof rank === "number" ? { shape: Array.from({ length: rank }, ctx.fresh) } : {}),
    }];
  }
  const allowZero = getAttribute(ctx.node, "allowzero", "int", 0) === 1;
  const shape = reshapeDims(data.shape, target, allowZero, ctx.fresh);
  return [{ elemType: data.elemType, shape, ...(data.value ? { value: data.value } : {}) }];
};

const transpose: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  if (!x) return [];
  if (!x.shape) return [{ elemType: x.elemType }];
  const perm = ints(ctx.node, "perm") ?? x.shape.map((_, i) => x.shape!.length - 1 - i);
  return [{ elemType: x.elemType, shape: perm.map((p) => x.shape![p]) }];
};

const INT64_BIG = 2 ** 62;

const slice: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  if (!x) return [];
  if (!x.shape) return [{ elemType: x.elemType }];
  const rank = x.shape.length;
  const fromInputs = ctx.opset >= 10;
  const starts = fromInputs ? ctx.inputs[1]?.value : ints(ctx.node, "starts");
  const ends = fromInputs ? ctx.inputs[2]?.value : ints(ctx.node, "ends");
  const axes = (fromInputs ? intValues(ctx, 3) : ints(ctx.node, "axes")) ??
    starts?.map((_, i) => i);
  const steps = (fromInputs ? intValues(ctx, 4) : undefined) ?? starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps) {
    return [{ elemType: x.elemType, shape: x.shape.map(() => ctx.fresh()) }];
  }
  const shape = [...x.shape];
  const bounds = new Map<number, [SymDim, SymDim, number]>();
  axes.forEach((a, i) => {
    const axis = normAxis(a, rank);
    bounds.set(axis, [starts[i], ends[i], steps[i]]);
    shape[axis] = sliceDim(x.shape![axis], starts[i], ends[i], steps[i], ctx.fresh);
  });
  const facts: ValueFacts = { elemType: x.elemType, shape };
  const b = bounds.get(0);
  if (x.value && rank === 1 && b && typeof b[0] === "number" && typeof b[1] === "number") {
    const n = x.value.length;
    const [s, e] = [clampIndex(b[0], n), clampIndex(b[1], n)];
    if (b[2] === 1) facts.value = x.value.slice(s, e);
  }
  return [facts];
};

function clampIndex(i: number, n: number): number {
  const j = i < 0 ? i + n : i;
  return Math.max(0, Math.min(n, j));
}

function sliceDim(
  dim: SymDim,
  start: SymDim,
  end: SymDim,
  step: number,
  fresh: () => string,
): SymDim {
  if (typeof dim === "number" && typeof start === "number" && typeof end === "number") {
    if (step > 0) {
      const s = clampIndex(start, dim);
      const e = clampIndex(end, dim);
      return Math.max(0, Math.ceil((e - s) / step));
    }
    return fresh();
  }
  if (step === 1 && start === 0 && typeof end === "string") return end;
  if (step === 1 && start === 0 && typeof end === "number" && end >= INT64_BIG) return dim;
  return fresh();
}

const expand: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  if (!x) return [];
  const target = ctx.inputs[1]?.value;
  const shape = target ? broadcastShapes([x.shape, target], ctx.fresh) : undefined;
  return [{ elemType: x.elemType, ...(shape ? { shape } : {}) }];
};

const range: ShapeRule = (ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.inputs[i]?.value?.[0]);
  const elemType = ctx.inputs[0]?.elemType ?? 0;
  if (typeof start === "number" && typeof limit === "number" && typeof delta === "number") {
    const n = Math.max(0, Math.ceil((limit - start) / delta));
    const value = n <= MAX_TRACKED_VALUES
      ? Array.from({ length: n }, (_, i) => start + i * delta)
      : undefined;
    return [{ elemType, shape: [n], ...(value ? { value } : {}) }];
  }
  if (start === 0 && delta === 1 && typeof limit === "string") {
    return [{ elemType, shape: [limit] }];
  }
  return [{ elemType, shape: [ctx.fresh()] }];
};

const constantOfShape: ShapeRule = (ctx) => {
  const dims = ctx.inputs[0]?.value;
  const v = ctx.node.attributes.value;
  const elemType = v?.type === "tensor" ? v.value.dataType : DataType.FLOAT;
  return [{ elemType, ...(dims ? { shape: dims } : {}) }];
};

const matmul: ShapeRule = (ctx) => {
  const [a, b] = ctx.inputs;
  if (!a) return [];
  const facts: ValueFacts = { elemType: a.elemType };
  if (a.shape && b?.shape && a.shape.length >= 1 && b.shape.length >= 1) {
    const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const batch = broadcastShapes([as.slice(0, -2), bs.slice(0, -2)], ctx.fresh)!;
    const shape = [...batch, as[as.length - 2], bs[bs.length - 1]];
    if (a.shape.length === 1) shape.splice(shape.length - 2, 1);
    if (b.shape.length === 1) shape.splice(shape.length - 1, 1);
    facts.shape = shape;
  }
  return [facts];
};

const gemm: ShapeRule = (ctx) => {
  const [a, b] = ctx.inputs;
  if (!a) return [];
  if (!a.shape || !b?.shape) return [{ elemType: a.elemType }];
  const transA = getAttribute(ctx.node, "transA", "int", 0);
  const transB = getAttribute(ctx.node, "transB", "int", 0);
  return [{
    elemType: a.elemType,
    shape: [transA ? a.shape[1] : a.shape[0], transB ? b.shape[0] : b.shape[1]],
  }];
};

function reduce(axesInputFrom: number): ShapeRule {
  return (ctx) => {
    const x = ctx.inputs[0];
    if (!x) return [];
    if (!x.shape) return [{ elemType: x.elemType }];
    const keep = getAttribute(ctx.node, "keepdims", "int", 1) === 1;
    const axes = axesOf(ctx, axesInputFrom);
    const noop = getAttribute(ctx.node, "noop_with_empty_axes", "int", 0) === 1;
    if (ctx.opset >= axesInputFrom && ctx.node.inputs[1] && !axes) {
      return [{ elemType: x.elemType }];
    }
    const rank = x.shape.length;
    const set = new Set(
      (axes && axes.length > 0) ? axes.map((a) => normAxis(a, rank)) : noop ? [] : x.shape.keys(),
    );
    const shape = keep
      ? x.shape.map((d, i) => (set.has(i) ? 1 : d))
      : x.shape.filter((_, i) => !set.has(i));
    return [{ elemType: x.elemType, shape }];
  };
}

const split: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  const n = ctx.node.outputs.length;
  if (!x) return [];
  if (!x.shape) return Array.from({ length: n }, () => ({ elemType: x.elemType }));
  const axis = normAxis(getAttribute(ctx.node, "axis", "int", 0), x.shape.length);
  const sizes = (ctx.opset >= 13 ? intValues(ctx, 1) : ints(ctx.node, "split")) ??
    (typeof x.shape[axis] === "number" && (x.shape[axis] as number) % n === 0
      ? Array.from({ length: n }, () => (x.shape![axis] as number) / n)
      : undefined);
  return Array.from({ length: n }, (_, i) => ({
    elemType: x.elemType,
    shape: x.shape!.map((d, j) => (j === axis ? (sizes ? sizes[i] : ctx.fresh()) : d)),
  }));
};

const flatten: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  if (!x) return [];
  if (!x.shape) return [{ elemType: x.elemType }];
  const axis = normAxis(getAttribute(ctx.node, "axis", "int", 1), x.shape.length);
  const product = (dims: SymDim[]) =>
    dims.length === 0
      ? 1
      : dims.length === 1
      ? dims[0]
      : dims.every((d) => typeof d === "number")
      ? (dims as number[]).reduce((a, b) => a * b, 1)
      : ctx.fresh();
  return [{
    elemType: x.elemType,
    shape: [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))],
  }];
};

/** Conv/pool output dims (NCHW) from the attributes; spatial dims fresh when not numeric. */
function convLike(kind: "conv" | "pool"): ShapeRule {
  return (ctx) => {
    const x = ctx.inputs[0];
    if (!x) return [];
    if (!x.shape) return [{ elemType: x.elemType }];
    const spatial = x.shape.length - 2;
    const w = ctx.inputs[1]?.shape;
    const kernel = ints(ctx.node, "kernel_shape") ??
      (kind === "conv" && w ? (w.slice(2) as number[]) : undefined);
    const channels = kind === "conv" ? (w?.[0] ?? ctx.fresh()) : x.shape[1];
    const strides = ints(ctx.node, "strides") ?? Array(spatial).fill(1);
    const dilations = ints(ctx.node, "dilations") ?? Array(spatial).fill(1);
    const pads = ints(ctx.node, "pads") ?? Array(2 * spatial).fill(0);
    const autoPad = getAttribute(ctx.node, "auto_pad", "string", "NOTSET");
    const ceil = getAttribute(ctx.node, "ceil_mode", "int", 0) === 1;
    const dims = x.shape.slice(2).map((d, i) => {
      if (typeof d !== "number" || !kernel || typeof kernel[i] !== "number") return ctx.fresh();
      if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return Math.ceil(d / strides[i]);
      const span = dilations[i] * (kernel[i] - 1) + 1;
      const padded = d + pads[i] + pads[i + spatial] - span;
      return (ceil ? Math.ceil(padded / strides[i]) : Math.floor(padded / strides[i])) + 1;
    });
    return [{ elemType: x.elemType, shape: [x.shape[0], channels, ...dims] }];
  };
}

const globalPool: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  if (!x) return [];
  if (!x.shape) return [{ elemType: x.elemType }];
  return [{ elemType: x.elemType, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }];
};

const attention: ShapeRule = (ctx) => {
  const [x, w] = ctx.inputs;
  if (!x?.shape || !w?.shape) return [{ elemType: x?.elemType ?? 0 }];
  const sizes = ints(ctx.node, "qkv_hidden_sizes");
  const total = w.shape[1];
  const v = sizes ? sizes[2] : typeof total === "number" ? total / 3 : ctx.fresh();
  return [{ elemType: x.elemType, shape: [x.shape[0], x.shape[1], v] }];
};

const multiHeadAttention: ShapeRule = (ctx) => {
  const [q, , value] = ctx.inputs;
  if (!q?.shape || q.shape.length !== 3) return [{ elemType: q?.elemType ?? 0 }];
  const v = value?.shape?.length === 3 ? value.shape[2] : q.shape[2];
  return [{ elemType: q.elemType, shape: [q.shape[0], q.shape[1], v] }];
};

const cast: ShapeRule = (ctx) => {
  const x = ctx.inputs[0];
  const to = getAttribute(ctx.node, "to", "int");
  const keepValue = x?.value && [6, 7, 12, 13].includes(to);
  return [{
    elemType: to,
    ...(x?.shape ? { shape: x.shape } : {}),
    ...(keepValue ? { value: x!.value } : {}),
  }];
};

const SAME_SHAPE_OPS = [
  "Identity",
  "Erf",
  "Sqrt",
  "Relu",
  "Sigmoid",
  "Tanh",
  "Exp",
  "Log",
  "Neg",
  "Abs",
  "Reciprocal",
  "Floor",
  "Ceil",
  "Round",
  "Sign",
  "Softmax",
  "LogSoftmax",
  "Dropout",
  "LeakyRelu",
  "Clip",
  "HardSigmoid",
  "HardSwish",
  "Elu",
  "Selu",
  "Softplus",
  "Mish",
  "LayerNormalization",
  "BatchNormalization",
  "InstanceNormalization",
  "com.microsoft:Gelu",
  "com.microsoft:FastGelu",
  "com.microsoft:QuickGelu",
  "com.microsoft:BiasGelu",
  "com.microsoft:SkipLayerNormalization",
];

/** The rules, by op (`"Add"`, `"com.microsoft:Attention"`). */
export const SHAPE_RULES: Record<string, ShapeRule> = {
  ...Object.fromEntries(SAME_SHAPE_OPS.map((op) => [op, sameAsFirst()])),
  Not: sameAsFirst(DataType.BOOL),
  IsNaN: sameAsFirst(DataType.BOOL),
  Cast: cast,
  ...Object.fromEntries(
    ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "PRelu"].map((
      op,
    ) => [op, elementwise("first")]),
  ),
  ...Object.fromEntries(
    ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"].map((
      op,
    ) => [op, elementwise("bool")]),
  ),
  Where: elementwise("second"),
  Shape: shapeOp,
  Gather: gather,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Concat: concat,
  Reshape: reshape,
  Transpose: transpose,
  Slice: slice,
  Expand: expand,
  Range: range,
  ConstantOfShape: constantOfShape,
  MatMul: matmul,
  Gemm: gemm,
  "com.microsoft:FusedMatMul": matmul,
  ReduceMean: reduce(18),
  ReduceSum: reduce(13),
  ReduceMax: reduce(18),
  ReduceMin: reduce(18),
  ReduceProd: reduce(18),
  Split: split,
  Flatten: flatten,
  Conv: convLike("conv"),
  "com.microsoft:FusedConv": convLike("conv"),
  MaxPool: convLike("pool"),
  AveragePool: convLike("pool"),
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  "com.microsoft:Attention": attention,
  "com.microsoft:MultiHeadAttention": multiHeadAttention,
};
