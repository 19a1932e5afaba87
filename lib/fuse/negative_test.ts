import assert from "node:assert/strict";
import { attr, createModel, DataType, GraphBuilder, type Model, type Node } from "../onnx/mod.ts";
import { smallDistilBert } from "./_test_support.ts";
import { compareModels } from "./check.ts";
import { fusionPass } from "./pass_registry.ts";
import { buildTinyCnn } from "./tiny_cnn.ts";

// Cases where a pattern must NOT match, each beside the nearly identical case that does, so the
// test fails if the pass ignores the condition.

const matches = (pass: string, model: Model) => fusionPass(pass).run(model).matches.length;

function find(model: Model, predicate: (n: Node) => boolean): Node {
  const node = model.graph.nodes.find(predicate);
  assert.ok(node, "node to edit");
  return node;
}

/** x[2, 4] · W + b, the MatMul output also read by a Relu when `shared`. */
function linear2d(shared: boolean): Model {
  const b = new GraphBuilder("linear");
  const x = b.input("x", DataType.FLOAT, ["n", 4]);
  const w = b.initializer("w", DataType.FLOAT, [4, 3], new Float32Array(12).fill(0.5));
  const bias = b.initializer("b", DataType.FLOAT, [3], [1, 2, 3]);
  const mm = b.op("MatMul", [x, w]);
  b.output(b.op("Add", [mm, bias]), DataType.FLOAT, ["n", 3], { rename: "y" });
  if (shared) b.output(b.op("Relu", [mm]), DataType.FLOAT, ["n", 3], { rename: "z" });
  return createModel(b.build());
}

Deno.test("matmul-bias: not when the MatMul output has another reader", () => {
  assert.equal(matches("matmul-bias", linear2d(false)), 1);
  assert.equal(matches("matmul-bias", linear2d(true)), 0);
});

Deno.test("matmul-bias: not on 3-D inputs (Gemm is 2-D), with a note", () => {
  const result = fusionPass("matmul-bias").run(smallDistilBert());
  assert.equal(result.matches.length, 2); // only the 2-D head
  assert.match(result.notes?.[0] ?? "", /^12 MatMul\+Add on 3-D inputs kept/);
});

Deno.test("layer-norm: not over a wrong axis; the rest still fuse and outputs stay equal", async () => {
  const model = smallDistilBert();
  for (const n of model.graph.nodes) {
    if (n.opType === "ReduceMean" && n.name.startsWith("/distilbert/embeddings/")) {
      n.attributes.axes = attr.ints([1]); // the sequence axis: not a LayerNorm any more
    }
  }
  const result = fusionPass("layer-norm").run(model);
  assert.equal(result.matches.length, 4);
  assert.ok(
    result.model.graph.nodes.some((n) => n.name === "/distilbert/embeddings/LayerNorm/ReduceMean"),
  );
  assert.equal((await compareModels(model, result.model, { seq: 8 })).ok, true);
});

Deno.test("layer-norm: not when the centered value has another reader", () => {
  const model = smallDistilBert();
  const sub = find(model, (n) => n.name === "/distilbert/embeddings/LayerNorm/Sub");
  model.graph.outputs.push({ name: sub.outputs[0], elemType: DataType.FLOAT });
  assert.equal(matches("layer-norm", model), 4);
});

Deno.test("layer-norm: not below opset 13, with a note", () => {
  const model = smallDistilBert();
  model.opsetImports[0].version = 12;
  const result = fusionPass("layer-norm").run(model);
  assert.equal(result.matches.length, 0);
  assert.match(result.notes![0], /opset 12 < 13/);
});

Deno.test("gelu: not with a constant other than √2", () => {
  const model = smallDistilBert();
  const init = model.graph.initializers.find((t) =>
    t.name === "/distilbert/transformer/layer.0/ffn/activation/sqrt2"
  )!;
  init.data = new Float32Array([1.5]);
  assert.equal(matches("gelu", model), 1); // layer.1 only
});

Deno.test("bias-gelu: not when the bias Add output has another reader", () => {
  const model = fusionPass("gelu").run(smallDistilBert()).model;
  assert.equal(matches("bias-gelu", model), 2);
  const add = find(model, (n) => n.name === "/distilbert/transformer/layer.0/ffn/lin1/Add");
  model.graph.outputs.push({ name: add.outputs[0], elemType: DataType.FLOAT });
  assert.equal(matches("bias-gelu", model), 1);
});

Deno.test("skip-layer-norm: keeps a shared bias Add out, and skips a shared residual", () => {
  const model = fusionPass("layer-norm").run(smallDistilBert()).model;
  const folded = (m: Model) =>
    fusionPass("skip-layer-norm").run(m).matches.filter((x) => x.detail?.includes("bias folded"))
      .length;
  assert.equal(folded(model), 4);
  const bias = find(model, (n) => n.name === "/distilbert/transformer/layer.0/ffn/lin2/Add");
  model.graph.outputs.push({ name: bias.outputs[0], elemType: DataType.FLOAT });
  assert.equal(folded(model), 3);
  assert.equal(matches("skip-layer-norm", model), 5); // still fused, without that bias
  const residual = find(model, (n) => n.name === "/distilbert/transformer/layer.1/Add");
  model.graph.outputs.push({ name: residual.outputs[0], elemType: DataType.FLOAT });
  assert.equal(matches("skip-layer-norm", model), 4);
});

Deno.test("attention: not when the mask compares with 1 instead of 0", () => {
  const model = smallDistilBert();
  assert.equal(matches("attention", model), 2);
  const zero = model.graph.initializers.find((t) =>
    t.name === "/distilbert/transformer/mask/zero"
  )!;
  zero.data = new BigInt64Array([1n]);
  assert.equal(matches("attention", model), 0);
});

Deno.test("attention: not when the scores are read outside the pattern", () => {
  const model = smallDistilBert();
  const softmax = find(
    model,
    (n) => n.name === "/distilbert/transformer/layer.1/attention/Softmax",
  );
  model.graph.outputs.push({ name: softmax.outputs[0], elemType: DataType.FLOAT });
  assert.equal(matches("attention", model), 1);
});

Deno.test("qkv-merge: not for MatMuls on different inputs", () => {
  const b = new GraphBuilder("two");
  const x = b.input("x", DataType.FLOAT, ["n", 4]);
  const y = b.input("y", DataType.FLOAT, ["n", 4]);
  const w1 = b.initializer("w1", DataType.FLOAT, [4, 2]);
  const w2 = b.initializer("w2", DataType.FLOAT, [4, 2]);
  b.output(b.op("MatMul", [x, w1]), DataType.FLOAT, ["n", 2], { rename: "a" });
  const other = b.op("MatMul", [y, w2]);
  b.output(other, DataType.FLOAT, ["n", 2], { rename: "b" });
  const model = createModel(b.build());
  assert.equal(matches("qkv-merge", model), 0);
  find(model, (n) => n.outputs[0] === "b").inputs[0] = "x";
  assert.equal(matches("qkv-merge", model), 1);
});

Deno.test("conv-batchnorm and conv-activation: not when the Conv output has another reader", () => {
  const cnn = buildTinyCnn({ seed: 1 });
  assert.equal(matches("conv-batchnorm", cnn), 2);
  const conv1 = find(cnn, (n) => n.name === "/conv1/Conv");
  cnn.graph.outputs.push({ name: conv1.outputs[0], elemType: DataType.FLOAT });
  assert.equal(matches("conv-batchnorm", cnn), 1);
  const plain = buildTinyCnn({ seed: 1, batchNorm: false });
  assert.equal(matches("conv-activation", plain), 2);
  const conv3 = find(plain, (n) => n.name === "/conv3/Conv");
  plain.graph.outputs.push({ name: conv3.outputs[0], elemType: DataType.FLOAT });
  assert.equal(matches("conv-activation", plain), 1);
});

Deno.test("conv-activation: not for an activation FusedConv lacks (Softplus)", () => {
  const plain = buildTinyCnn({ seed: 1, batchNorm: false });
  find(plain, (n) => n.name === "/act1/Relu").opType = "Softplus";
  assert.equal(matches("conv-activation", plain), 1);
});

Deno.test("silu: not for y · sigmoid(x) with y ≠ x", () => {
  const cnn = buildTinyCnn({ seed: 1 });
  assert.equal(matches("silu", cnn), 1);
  const mul = find(cnn, (n) => n.name === "/act2/Mul");
  mul.inputs[0] = find(cnn, (n) => n.name === "/act1/Relu").outputs[0];
  assert.equal(matches("silu", cnn), 0);
});

Deno.test("reshape-simplify: not when two dims are only known symbolically", () => {
  const build = (swap: boolean) => {
    const b = new GraphBuilder("swap");
    const x = b.input("x", DataType.FLOAT, ["a", "b", 8]);
    const shape = b.op("Shape", [x]);
    const dim = (i: number) =>
      b.op("Unsqueeze", [
        b.op("Gather", [shape, b.constant(`i${i}`, DataType.INT64, [], [i])]),
        b.constant(`u${i}`, DataType.INT64, [1], [0]),
      ]);
    const target = b.op("Concat", [
      dim(swap ? 1 : 0),
      dim(swap ? 0 : 1),
      b.constant("c", DataType.INT64, [1], [8]),
    ], { attributes: { axis: attr.int(0) } });
    b.output(b.op("Relu", [b.op("Reshape", [x, target])]), DataType.FLOAT);
    return createModel(b.build());
  };
  const same = fusionPass("reshape-simplify").run(build(false));
  assert.deepEqual(same.matches.map((m) => m.detail), ["no-op Reshape"]); // [a, b, 8] → itself
  assert.deepEqual(same.model.graph.nodes.map((n) => n.opType), ["Relu"]);
  assert.equal(matches("reshape-simplify", build(true)), 0); // [b, a, 8] needs two -1
});

Deno.test("dead-node-removal and constant-folding: keep real casts and graph outputs", () => {
  const b = new GraphBuilder("keep");
  const x = b.input("x", DataType.INT64, [2]);
  b.output(b.op("Cast", [x], { attributes: { to: attr.int(DataType.INT32) } }), DataType.INT32);
  const c = b.op("Neg", [b.constant("k", DataType.FLOAT, [1], [2])]);
  b.output(c, DataType.FLOAT, [1], { rename: "folded_output" });
  const model = createModel(b.build());
  assert.equal(matches("dead-node-removal", model), 0);
  assert.equal(matches("constant-folding", model), 0);
  find(model, (n) => n.opType === "Cast").attributes.to = attr.int(DataType.INT64);
  assert.equal(matches("dead-node-removal", model), 0); // produces a graph output: kept
});
