import assert from "node:assert/strict";
import { attr, createTensor, DataType, type Node, type Tensor } from "./mod.ts";
import { evaluateNode } from "./constant_eval.ts";

function run(opType: string, inputs: (Tensor | undefined)[], attributes: Node["attributes"] = {}) {
  const node: Node = {
    name: opType,
    opType,
    domain: "",
    inputs: inputs.map((t, i) => (t ? `in${i}` : "")),
    outputs: ["out"],
    attributes,
  };
  const out = evaluateNode(node, inputs);
  assert.ok(out, `${opType} evaluated`);
  return out[0];
}

const i64 = (dims: number[], v: number[]) => createTensor("i", DataType.INT64, dims, v);
const f32 = (dims: number[], v: number[]) => createTensor("f", DataType.FLOAT, dims, v);

Deno.test("evaluateNode: Gather on axis 1 with a negative index", () => {
  const t = run("Gather", [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([2], [-1, 0])], {
    axis: attr.int(1),
  });
  assert.deepEqual(t.dims, [2, 2]);
  assert.deepEqual(t.data, new Float32Array([3, 1, 6, 4]));
});

Deno.test("evaluateNode: Slice with INT64_MAX end and a step", () => {
  const t = run("Slice", [
    i64([6], [0, 1, 2, 3, 4, 5]),
    i64([1], [1]),
    createTensor("e", DataType.INT64, [1], [2n ** 63n - 1n]),
    i64([1], [0]),
    i64([1], [2]),
  ]);
  assert.deepEqual(t.data, new BigInt64Array([1n, 3n, 5n]));
});

Deno.test("evaluateNode: Transpose, Unsqueeze, Concat, Reshape with 0 and -1", () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    run("Transpose", [x], { perm: attr.ints([1, 0]) }).data,
    new Float32Array([1, 4, 2, 5, 3, 6]),
  );
  assert.deepEqual(run("Unsqueeze", [x, i64([2], [0, -1])]).dims, [1, 2, 3, 1]);
  assert.deepEqual(run("Reshape", [x, i64([2], [0, -1])]).dims, [2, 3]);
  const c = run("Concat", [f32([1, 2], [7, 8]), f32([2, 2], [1, 2, 3, 4])], { axis: attr.int(0) });
  assert.deepEqual(c.data, new Float32Array([7, 8, 1, 2, 3, 4]));
});

Deno.test("evaluateNode: broadcasting arithmetic rounds to float32, integers truncate", () => {
  const sum = run("Add", [f32([2, 1], [0.1, 0.2]), f32([3], [1, 2, 3])]);
  assert.deepEqual(sum.dims, [2, 3]);
  assert.equal(sum.data[0], Math.fround(Math.fround(0.1) + 1));
  assert.deepEqual(
    run("Div", [i64([2], [7, -7]), i64([], [2])]).data,
    new BigInt64Array([3n, -3n]),
  );
  const where = run("Where", [
    createTensor("c", DataType.BOOL, [2], [1, 0]),
    f32([], [5]),
    f32([2], [1, 2]),
  ]);
  assert.deepEqual(where.data, new Float32Array([5, 2]));
});

Deno.test("evaluateNode: Cast, Range, ConstantOfShape, Equal", () => {
  assert.deepEqual(
    run("Cast", [f32([2], [1.7, -1.7])], { to: attr.int(DataType.INT64) }).data,
    new BigInt64Array([1n, -1n]),
  );
  assert.deepEqual(
    run("Range", [i64([], [0]), i64([], [5]), i64([], [2])]).data,
    new BigInt64Array([0n, 2n, 4n]),
  );
  const zeros = run("ConstantOfShape", [i64([2], [2, 2])], {
    value: attr.tensor(createTensor("v", DataType.INT64, [1], [3])),
  });
  assert.deepEqual(zeros.data, new BigInt64Array([3n, 3n, 3n, 3n]));
  assert.deepEqual(
    run("Equal", [i64([3], [0, 1, 0]), i64([], [0])]).data,
    new Uint8Array([1, 0, 1]),
  );
});

Deno.test("evaluateNode: unsupported ops and element types are left alone", () => {
  const node: Node = {
    name: "e",
    opType: "Erf",
    domain: "",
    inputs: ["x"],
    outputs: ["y"],
    attributes: {},
  };
  assert.equal(evaluateNode(node, [f32([1], [0.5])]), undefined);
  const half = createTensor("h", DataType.FLOAT16, [1], new Uint16Array([0x3c00]));
  assert.equal(evaluateNode({ ...node, opType: "Neg" }, [half]), undefined);
});
