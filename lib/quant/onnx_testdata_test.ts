/**
 * Bit-exactness against ONNX's own backend node tests (Debian package `libonnx-testdata`):
 * every `test_quantizelinear*`, `test_dequantizelinear*`, `test_dynamicquantizelinear*`,
 * `test_matmulinteger*` and `test_qlinearmatmul*` folder is enumerated and run as one step;
 * folders with element types the kit does not quantize to (float8, int4, int16, …) or blocked
 * quantization show up as ignored steps naming the reason.
 */

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { DataType, dataTypeName, type Tensor } from "../onnx/mod.ts";
import {
  firstBitDifference,
  type NodeModel,
  readNodeModel,
  readTensorProto,
} from "./_onnx_test_support.ts";
import type { QuantType } from "./params.ts";
import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from "./qdq_ops.ts";
import { matMulInteger, qlinearMatMul } from "./integer_matmul.ts";
import { extendedTest, ONNX_TESTDATA } from "../../tests/support/extended.ts";

const NODE_DIR = "/usr/share/libonnx-testdata/data/node";

const OPS: Record<string, string> = {
  test_quantizelinear: "QuantizeLinear",
  test_dequantizelinear: "DequantizeLinear",
  test_dynamicquantizelinear: "DynamicQuantizeLinear",
  test_matmulinteger: "MatMulInteger",
  test_qlinearmatmul: "QLinearMatMul",
};

const SUPPORTED_TYPES = new Set<number>([
  DataType.FLOAT,
  DataType.INT8,
  DataType.UINT8,
  DataType.INT32,
]);

interface Case {
  folder: string;
  op: string;
  model: NodeModel;
  /** Tensors by graph input/output name. */
  inputs: Map<string, Tensor>;
  outputs: Map<string, Tensor>;
  /** Attributes of the operator node (empty for expanded function bodies). */
  attributes: Record<string, number>;
}

function opOf(folder: string): string | undefined {
  const prefix = Object.keys(OPS)
    .filter((p) => folder === p || folder.startsWith(p + "_"))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? OPS[prefix] : undefined;
}

function loadCase(folder: string, op: string): Case {
  const dir = `${NODE_DIR}/${folder}`;
  const model = readNodeModel(`${dir}/model.onnx`);
  const data = `${dir}/test_data_set_0`;
  const inputs = new Map<string, Tensor>();
  const outputs = new Map<string, Tensor>();
  model.inputs.forEach((name, i) => {
    inputs.set(name, readTensorProto(`${data}/input_${i}.pb`));
  });
  model.outputs.forEach((name, i) => {
    outputs.set(name, readTensorProto(`${data}/output_${i}.pb`));
  });
  const node = model.nodes.length === 1 ? model.nodes[0] : undefined;
  if (node) assert.equal(node.opType, op, `${folder}: model.onnx holds ${node.opType}`);
  return { folder, op, model, inputs, outputs, attributes: node?.attributes ?? {} };
}

/** Why a case is out of scope, or undefined when it runs. */
function skipReason(c: Case): string | undefined {
  for (const t of [...c.inputs.values(), ...c.outputs.values()]) {
    if (!SUPPORTED_TYPES.has(t.dataType)) {
      return `element type ${
        dataTypeName(t.dataType)
      } of "${t.name}" is out of scope (int8/uint8 only)`;
    }
  }
  if ((c.attributes.block_size ?? 0) !== 0) {
    return "blocked quantization (block_size) is out of scope";
  }
  return undefined;
}

/** The tensor feeding operand `index` of the node (graph inputs in order for expanded models). */
function operand(c: Case, index: number): Tensor | undefined {
  const name = c.model.nodes.length === 1 ? c.model.nodes[0].inputs[index] : c.model.inputs[index];
  return name ? c.inputs.get(name) : undefined;
}

function result(c: Case, index: number): Tensor {
  const name = c.model.nodes.length === 1
    ? c.model.nodes[0].outputs[index]
    : c.model.outputs[index];
  const t = c.outputs.get(name);
  assert.ok(t, `${c.folder}: no expected output ${index} ("${name}")`);
  return t;
}

function quantType(t: Tensor | undefined, folder: string): QuantType {
  if (!t || t.dataType === DataType.UINT8) return "uint8";
  if (t.dataType === DataType.INT8) return "int8";
  throw new Error(`${folder}: ${dataTypeName(t.dataType)} is not int8/uint8`);
}

function assertBitExact(
  c: Case,
  actual: ArrayLike<number>,
  expected: Tensor,
  actualDims?: readonly number[],
): void {
  if (actualDims) assert.deepEqual([...actualDims], expected.dims, `${c.folder}: output dims`);
  const values = Array.from(expected.data as ArrayLike<number>);
  const at = firstBitDifference(actual, values);
  assert.equal(
    at,
    -1,
    `${c.folder}: element ${at} differs: got ${actual[at]}, ONNX expects ${values[at]} ` +
      `(all: got [${Array.from(actual)}], expected [${values}])`,
  );
}

function runCase(c: Case): void {
  const axis = c.attributes.axis ?? 1;
  switch (c.op) {
    case "QuantizeLinear": {
      const x = operand(c, 0)!;
      const zp = operand(c, 2);
      const y = quantizeLinear({
        x: x.data as Float32Array,
        dims: x.dims,
        scale: operand(c, 1)!.data as Float32Array,
        zeroPoint: zp ? (zp.data as Uint8Array) : 0,
        type: quantType(zp, c.folder),
        axis,
      });
      assert.equal(y.constructor, result(c, 0).data.constructor);
      return assertBitExact(c, y, result(c, 0));
    }
    case "DequantizeLinear": {
      const x = operand(c, 0)!;
      const zp = operand(c, 2);
      const y = dequantizeLinear({
        x: x.data as Uint8Array,
        dims: x.dims,
        scale: operand(c, 1)!.data as Float32Array,
        zeroPoint: zp ? (zp.data as Uint8Array) : 0,
        axis,
      });
      return assertBitExact(c, y, result(c, 0));
    }
    case "DynamicQuantizeLinear": {
      const { y, scale, zeroPoint } = dynamicQuantizeLinear(operand(c, 0)!.data as Float32Array);
      assertBitExact(c, [scale], result(c, 1));
      assertBitExact(c, [zeroPoint], result(c, 2));
      return assertBitExact(c, y, result(c, 0));
    }
    case "MatMulInteger": {
      const [a, b, aZp, bZp] = [0, 1, 2, 3].map((i) => operand(c, i));
      const { y, dims } = matMulInteger({
        a: a!.data as Uint8Array,
        aDims: a!.dims,
        b: b!.data as Uint8Array,
        bDims: b!.dims,
        aZeroPoint: aZp ? (aZp.data as Uint8Array) : 0,
        bZeroPoint: bZp ? (bZp.data as Uint8Array) : 0,
      });
      return assertBitExact(c, y, result(c, 0), dims);
    }
    case "QLinearMatMul": {
      const [a, aScale, aZp, b, bScale, bZp, yScale, yZp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
        operand(c, i)!
      );
      const { y, dims } = qlinearMatMul({
        a: a.data as Uint8Array,
        aDims: a.dims,
        aScale: aScale.data as Float32Array,
        aZeroPoint: aZp.data as Uint8Array,
        b: b.data as Uint8Array,
        bDims: b.dims,
        bScale: bScale.data as Float32Array,
        bZeroPoint: bZp.data as Uint8Array,
        yScale: (yScale.data as Float32Array)[0],
        yZeroPoint: (yZp.data as Uint8Array)[0],
        yType: quantType(yZp, c.folder),
      });
      return assertBitExact(c, y, result(c, 0), dims);
    }
    default:
      throw new Error(`${c.folder}: no runner for ${c.op}`);
  }
}

const available = existsSync(NODE_DIR);
const folders = available ? readdirSync(NODE_DIR).filter((f) => opOf(f) !== undefined).sort() : [];

// Without the package the test is reported as ignored (with how to install it), except in CI.
extendedTest(
  "ONNX backend node tests: quantization operators bit-exact",
  ONNX_TESTDATA,
  async (t) => {
    {
      assert.ok(available, `${NODE_DIR} is missing: apt-get install libonnx-testdata`);
      for (const op of Object.values(OPS)) {
        assert.ok(folders.some((f) => opOf(f) === op), `no ${op} test folder in ${NODE_DIR}`);
      }
      let ran = 0;
      for (const folder of folders) {
        const c = loadCase(folder, opOf(folder)!);
        const reason = skipReason(c);
        await t.step({
          name: reason ? `${folder} (skipped: ${reason})` : folder,
          ignore: reason !== undefined,
          fn: () => {
            runCase(c);
            ran++;
          },
        });
      }
      assert.ok(ran > 0, "no supported quantization test folder ran");
    }
  },
);
