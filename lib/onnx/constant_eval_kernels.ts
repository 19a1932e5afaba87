/**
 * TypeScript kernels of the constant folder, by op type: the shape and index ops exporters emit
 * between constants (Shape, Gather, Unsqueeze, Concat, Cast, Slice, Range, …) and elementwise
 * arithmetic.
 *
 * @module
 */

import { getAttribute } from "./attribute.ts";
import type { Dense, EvalKernel } from "./constant_eval.ts";
import { DataType } from "./data_type.ts";
import type { Node } from "./model.ts";
import { shapeSize } from "./tensor.ts";

function strides(dims: readonly number[]): number[] {
  const s = new Array(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

function norm(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

function ints(node: Node, name: string): number[] | undefined {
  const a = node.attributes[name];
  return a?.type === "ints" ? a.value : undefined;
}

function required(x: Dense | undefined, what: string): Dense {
  if (!x) throw new Error(`missing ${what}`);
  return x;
}

/** Numpy broadcasting of dims. */
function broadcastDims(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) {
        if (d !== 1 && d !== v) throw new RangeError(`cannot broadcast [${shapes.join("] [")}]`);
        d = v;
      }
    }
    return d;
  });
}

/**
 * For each element of a tensor of dims `out` (row-major), the flat input index
 * `Σₖ offset(k, cₖ)`, where `cₖ` is the element's coordinate along axis k.
 */
function gatherIndex(out: readonly number[], offset: (k: number, c: number) => number): Int32Array {
  const n = shapeSize(out);
  const index = new Int32Array(n);
  const outStrides = strides(out);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let j = 0;
    for (let k = 0; k < out.length; k++) {
      const c = Math.floor(rest / outStrides[k]);
      rest -= c * outStrides[k];
      j += offset(k, c);
    }
    index[i] = j;
  }
  return index;
}

/** Flat index into `dims` (broadcast to `out`) for each element of `out`. */
function broadcastIndex(dims: number[], out: number[]): Int32Array {
  const padded = [...Array(out.length - dims.length).fill(1), ...dims];
  const inStrides = strides(padded);
  return gatherIndex(out, (k, c) => padded[k] !== 1 ? c * inStrides[k] : 0);
}

function roundTo(type: number, v: number): number {
  if (type === DataType.FLOAT) return Math.fround(v);
  if (type === DataType.DOUBLE) return v;
  return Math.trunc(v);
}

function nary(
  type: (inputs: Dense[]) => number,
  f: (...v: number[]) => number,
): EvalKernel {
  return (node, raw) => {
    const inputs = raw.map((x, i) => required(x, `input ${i} of ${node.opType}`));
    const dims = broadcastDims(inputs.map((x) => x.dims));
    const idx = inputs.map((x) => broadcastIndex(x.dims, dims));
    const outType = type(inputs);
    const data = new Float64Array(shapeSize(dims));
    const args = new Array(inputs.length);
    for (let i = 0; i < data.length; i++) {
      for (let k = 0; k < inputs.length; k++) args[k] = inputs[k].data[idx[k][i]];
      data[i] = roundTo(outType, f(...args));
    }
    return [{ type: outType, dims, data }];
  };
}

const first = (inputs: Dense[]) => inputs[0].type;
const bool = () => DataType.BOOL;

function isInt(type: number): boolean {
  return type !== DataType.FLOAT && type !== DataType.DOUBLE;
}

const divide: EvalKernel = (node, inputs) =>
  nary(first, isInt(required(inputs[0], "A").type) ? (a, b) => Math.trunc(a / b) : (a, b) => a / b)(
    node,
    inputs,
  );

function unary(f: (v: number) => number): EvalKernel {
  return nary(first, f);
}

const cast: EvalKernel = (node, [x]) => {
  const to = getAttribute(node, "to", "int");
  const input = required(x, "input");
  const data = to === DataType.BOOL
    ? input.data.map((v) => (v !== 0 ? 1 : 0))
    : input.data.map((v) => roundTo(to, v));
  return [{ type: to, dims: input.dims, data }];
};

const gather: EvalKernel = (node, [x, i]) => {
  const data = required(x, "data");
  const indices = required(i, "indices");
  const axis = norm(getAttribute(node, "axis", "int", 0), data.dims.length);
  const outer = shapeSize(data.dims.slice(0, axis));
  const inner = shapeSize(data.dims.slice(axis + 1));
  const n = data.dims[axis];
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const out = new Float64Array(shapeSize(dims));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const raw of indices.data) {
      const k = raw < 0 ? raw + n : raw;
      if (k < 0 || k >= n) throw new RangeError(`index ${raw} out of range`);
      for (let c = 0; c < inner; c++) out[o++] = data.data[(a * n + k) * inner + c];
    }
  }
  return [{ type: data.type, dims, data: out }];
};

function axesFrom(node: Node, input: Dense | undefined): number[] | undefined {
  return input ? Array.from(input.data) : ints(node, "axes");
}

const unsqueeze: EvalKernel = (node, [x, a]) => {
  const data = required(x, "data");
  const axes = axesFrom(node, a);
  if (!axes) throw new Error("missing axes");
  const rank = data.dims.length + axes.length;
  const set = new Set(Array.from(axes, (v) => norm(v, rank)));
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) dims.push(set.has(i) ? 1 : data.dims[k++]);
  return [{ ...data, dims }];
};

const squeeze: EvalKernel = (node, [x, a]) => {
  const data = required(x, "data");
  const axes = axesFrom(node, a);
  const set = new Set(
    axes
      ? axes.map((v) => norm(v, data.dims.length))
      : data.dims.flatMap((d, i) => d === 1 ? [i] : []),
  );
  return [{ ...data, dims: data.dims.filter((_, i) => !set.has(i)) }];
};

const concat: EvalKernel = (node, raw) => {
  const inputs = raw.map((x, i) => required(x, `input ${i}`));
  const rank = inputs[0].dims.length;
  const axis = norm(getAttribute(node, "axis", "int"), rank);
  const outer = shapeSize(inputs[0].dims.slice(0, axis));
  const dims = [...inputs[0].dims];
  dims[axis] = inputs.reduce((s, x) => s + x.dims[axis], 0);
  const out = new Float64Array(shapeSize(dims));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const x of inputs) {
      const block = shapeSize(x.dims.slice(axis));
      out.set(x.data.subarray(a * block, (a + 1) * block), o);
      o += block;
    }
  }
  return [{ type: inputs[0].type, dims, data: out }];
};

const reshape: EvalKernel = (node, [x, s]) => {
  const data = required(x, "data");
  const target = Array.from(required(s, "shape").data);
  const allowZero = getAttribute(node, "allowzero", "int", 0) === 1;
  const dims = target.map((d, i) => (d === 0 && !allowZero ? data.dims[i] : d));
  const minus = dims.indexOf(-1);
  if (minus >= 0) {
    const known = dims.reduce((p, d, i) => (i === minus ? p : p * d), 1);
    dims[minus] = data.data.length / known;
  }
  if (shapeSize(dims) !== data.data.length) throw new RangeError("reshape size mismatch");
  return [{ ...data, dims }];
};

const transpose: EvalKernel = (node, [x]) => {
  const data = required(x, "data");
  const rank = data.dims.length;
  const perm = ints(node, "perm") ?? data.dims.map((_, i) => rank - 1 - i);
  const dims = perm.map((p) => data.dims[p]);
  const inStrides = strides(data.dims);
  const index = gatherIndex(dims, (k, c) => c * inStrides[perm[k]]);
  return [{ type: data.type, dims, data: Float64Array.from(index, (j) => data.data[j]) }];
};

const slice: EvalKernel = (node, [x, s, e, a, st]) => {
  const data = required(x, "data");
  const rank = data.dims.length;
  const starts = s ? Array.from(s.data) : ints(node, "starts")!;
  const ends = e ? Array.from(e.data) : ints(node, "ends")!;
  const axes = a ? Array.from(a.data) : ints(node, "axes") ?? starts.map((_, i) => i);
  const steps = st ? Array.from(st.data) : starts.map(() => 1);
  const begin = new Array(rank).fill(0);
  const step = new Array(rank).fill(1);
  const dims = [...data.dims];
  axes.forEach((ax, i) => {
    const k = norm(ax, rank);
    const n = data.dims[k];
    if (steps[i] <= 0) throw new RangeError("only positive slice steps are folded");
    const clamp = (v: number) => Math.max(0, Math.min(n, v < 0 ? v + n : v));
    const b = clamp(starts[i]);
    const en = clamp(ends[i]);
    begin[k] = b;
    step[k] = steps[i];
    dims[k] = Math.max(0, Math.ceil((en - b) / steps[i]));
  });
  const inStrides = strides(data.dims);
  const index = gatherIndex(dims, (k, c) => (begin[k] + c * step[k]) * inStrides[k]);
  return [{ type: data.type, dims, data: Float64Array.from(index, (j) => data.data[j]) }];
};

const range: EvalKernel = (_node, [s, l, d]) => {
  const start = required(s, "start").data[0];
  const limit = required(l, "limit").data[0];
  const delta = required(d, "delta").data[0];
  const n = Math.max(0, Math.ceil((limit - start) / delta));
  const type = s!.type;
  return [{
    type,
    dims: [n],
    data: Float64Array.from({ length: n }, (_, i) => roundTo(type, start + i * delta)),
  }];
};

const constantOfShape: EvalKernel = (node, [s]) => {
  const dims = Array.from(required(s, "shape").data);
  const v = node.attributes.value;
  const type = v?.type === "tensor" ? v.value.dataType : DataType.FLOAT;
  const fill = v?.type === "tensor" ? Number(v.value.data[0]) : 0;
  return [{ type, dims, data: new Float64Array(shapeSize(dims)).fill(fill) }];
};

const expand: EvalKernel = (_node, [x, s]) => {
  const data = required(x, "input");
  const dims = broadcastDims([data.dims, Array.from(required(s, "shape").data)]);
  const idx = broadcastIndex(data.dims, dims);
  return [{ type: data.type, dims, data: Float64Array.from(idx, (j) => data.data[j]) }];
};

const shape: EvalKernel = (node, [x]) => {
  const data = required(x, "data");
  const rank = data.dims.length;
  const start = getAttribute(node, "start", "int", 0);
  const end = getAttribute(node, "end", "int", rank);
  const clamp = (v: number) => Math.max(0, Math.min(rank, v < 0 ? v + rank : v));
  const dims = data.dims.slice(clamp(start), clamp(end));
  return [{ type: DataType.INT64, dims: [dims.length], data: new Float64Array(dims) }];
};

const where: EvalKernel = (node, inputs) =>
  nary((xs) => xs[1].type, (c, a, b) => (c ? a : b))(node, inputs);

const identity: EvalKernel = (_node, [x]) => [required(x, "input")];

/** Kernels by op type (default domain). */
export const EVAL_KERNELS: Record<string, EvalKernel> = {
  Identity: identity,
  Cast: cast,
  Shape: shape,
  Gather: gather,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Concat: concat,
  Reshape: reshape,
  Transpose: transpose,
  Slice: slice,
  Range: range,
  ConstantOfShape: constantOfShape,
  Expand: expand,
  Where: where,
  Add: nary(first, (a, b) => a + b),
  Sub: nary(first, (a, b) => a - b),
  Mul: nary(first, (a, b) => a * b),
  Div: divide,
  Pow: nary(first, (a, b) => Math.pow(a, b)),
  Max: nary(first, Math.max),
  Min: nary(first, Math.min),
  Equal: nary(bool, (a, b) => (a === b ? 1 : 0)),
  Less: nary(bool, (a, b) => (a < b ? 1 : 0)),
  Greater: nary(bool, (a, b) => (a > b ? 1 : 0)),
  And: nary(bool, (a, b) => (a && b ? 1 : 0)),
  Or: nary(bool, (a, b) => (a || b ? 1 : 0)),
  Not: nary(bool, (a) => (a ? 0 : 1)),
  Neg: unary((v) => -v),
  Abs: unary(Math.abs),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((v) => 1 / v),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
};
