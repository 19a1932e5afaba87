import assert from "node:assert/strict";
import { attr } from "./attribute.ts";
import { GraphBuilder } from "./builder.ts";
import { DataType } from "./data_type.ts";
import { GraphIndex } from "./graph_index.ts";
import { linearAt, linearProducing } from "./linear.ts";

Deno.test("linearAt: a transB Gemm with its bias C, and what is not a Linear", () => {
  const b = new GraphBuilder("g");
  const x = b.input("x", DataType.FLOAT, ["n", 3]);
  const w = b.initializer("head.weight", DataType.FLOAT, [2, 3]);
  const c = b.initializer("head.bias", DataType.FLOAT, [2], [0.5, -1]);
  const y = b.op("Gemm", [x, w, c], { attributes: { transB: attr.int(1) } });
  const scaled = b.op("Gemm", [x, w, c], {
    attributes: { alpha: attr.float(2), transB: attr.int(1) },
  });
  const product = b.op("MatMul", [y, b.op("Transpose", [y])]);
  b.output(scaled, DataType.FLOAT);
  b.output(product, DataType.FLOAT);
  const graph = b.build();
  const index = new GraphIndex(graph);
  const linear = linearAt(graph.nodes[0], { index })!;
  assert.deepEqual(
    [linear.name, linear.transposed, linear.inFeatures, linear.outFeatures, [...linear.bias!.data]],
    ["head", true, 3, 2, [0.5, -1]],
  );
  assert.equal(linearAt(graph.nodes[1], { index }), undefined); // alpha 2
  assert.equal(linearAt(graph.nodes[3], { index }), undefined); // two activations
  assert.equal(linearProducing(y, { index, opTypes: ["MatMul"] }), undefined);
});

Deno.test("linearAt: the bias Add is left out when skipped, shared or a graph output", () => {
  const b = new GraphBuilder("g");
  const x = b.input("x", DataType.FLOAT, ["n", 2]);
  const mm = b.op("MatMul", [x, b.initializer("w", DataType.FLOAT, [2, 2])]);
  const y = b.op("Add", [mm, b.initializer("b", DataType.FLOAT, [2])]);
  b.output(y, DataType.FLOAT);
  const graph = b.build();
  const index = new GraphIndex(graph);
  const [matmul, add] = graph.nodes;
  assert.equal(linearAt(matmul, { index })!.output, y);
  assert.equal(linearAt(matmul, { index, skip: (n) => n === add })!.output, mm);
  assert.equal(linearProducing(y, { index, skip: (n) => n === add }), undefined);
  assert.equal(linearAt(matmul, { index })!.name, undefined); // "w" is no state-dict name
});
