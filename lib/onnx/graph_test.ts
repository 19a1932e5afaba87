import assert from "node:assert/strict";
import { defaultHubMirrorDir } from "../../tests/support/hub_server.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";
import { mirrorRepoDir, STANDINS } from "../../tests/support/mirror.ts";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import {
  attr,
  cloneModel,
  createModel,
  DataType,
  encodeModel,
  getAttribute,
  GraphBuilder,
  GraphIndex,
  graphStats,
  OnnxGraphError,
  readModel,
  removeDeadNodes,
  replaceUses,
  topologicalSort,
  UniqueNames,
} from "./mod.ts";

/** A model of the test hub: the mirror's mini stand-in, or the repo's fixture model without it. */
const ANY_ONNX = join(mirrorRepoDir(STANDINS.mini), "onnx", "model.onnx");
/** The mirror stand-in's torch export (tests that read it need the full mirror). */
const MINI_ONNX = join(
  defaultHubMirrorDir(),
  "standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
);

extendedTest(
  "GraphIndex finds producers, consumers and constants in the torch export",
  MIRROR,
  async () => {
    const { graph } = await readModel(MINI_ONNX);
    const index = new GraphIndex(graph);
    const q = "/distilbert/transformer/layer.0/attention/q_lin/MatMul";
    const qNode = graph.nodes.find((n) => n.name === q)!;
    const weight = index.constant(qNode.inputs[1])!;
    assert.deepEqual(weight.dims, [256, 256]);
    assert.equal(index.producer(qNode.outputs[0]), qNode);
    assert.deepEqual(index.consumers(qNode.outputs[0]).map((n) => n.opType), ["Add"]);
    // The embedding LayerNorm output feeds the attention projections and the residual Add.
    const ln = "/distilbert/embeddings/LayerNorm/Add_1_output_0";
    const ops = index.consumers(ln).map((n) => n.opType).sort();
    assert.deepEqual(ops, ["Add", "MatMul", "MatMul", "MatMul", "Shape", "Shape"]);
    assert.equal(index.producer("input_ids"), undefined);
    assert.equal(index.isGraphInput("input_ids"), true);
    assert.equal(index.isGraphOutput("logits"), true);
    assert.equal(index.valueInfo("logits")?.elemType, DataType.FLOAT);
    // A Constant node's tensor counts as a constant too.
    const eps = index.constant("/distilbert/embeddings/LayerNorm/Constant_1_output_0")!;
    assert.ok(Math.abs((eps.data as Float32Array)[0] - 1e-12) < 1e-18);
  },
);

extendedTest("topologicalSort restores a shuffled graph that ORT then runs", MIRROR, async () => {
  const model = await readModel(MINI_ONNX);
  const original = model.graph.nodes.map((n) => n.name);
  const shuffled = cloneModel(model, { shareTensorData: true });
  shuffled.graph.nodes.reverse();
  shuffled.graph.nodes = topologicalSort(shuffled.graph);
  const position = new Map<string, number>();
  shuffled.graph.nodes.forEach((n, i) => n.outputs.forEach((o) => position.set(o, i)));
  shuffled.graph.nodes.forEach((n, i) => {
    for (const input of n.inputs) assert.ok((position.get(input) ?? -1) < i, n.name);
  });
  assert.equal(shuffled.graph.nodes.length, original.length);
  // The original order is already topological and is kept as is.
  assert.deepEqual(topologicalSort(model.graph).map((n) => n.name), original);
  const session = await ort.InferenceSession.create(encodeModel(shuffled));
  const ids = new ort.Tensor("int64", new BigInt64Array([101n, 7592n, 102n]), [1, 3]);
  const mask = new ort.Tensor("int64", new BigInt64Array([1n, 1n, 1n]), [1, 3]);
  const out = await session.run({ input_ids: ids, attention_mask: mask });
  assert.deepEqual(out.logits.dims, [1, 2]);
});

Deno.test("topologicalSort names a node on a cycle", () => {
  const b = new GraphBuilder("loop");
  b.input("x", DataType.FLOAT, [1]);
  b.graph.nodes.push(
    { name: "a", opType: "Add", domain: "", inputs: ["x", "v"], outputs: ["u"], attributes: {} },
    { name: "b", opType: "Relu", domain: "", inputs: ["u"], outputs: ["v"], attributes: {} },
  );
  assert.throws(() => topologicalSort(b.graph), (error: Error) => {
    assert.ok(error instanceof OnnxGraphError);
    assert.match(error.message, /cycle through node "(a|b)"/);
    return true;
  });
});

extendedTest(
  "removeDeadNodes keeps the torch export whole and drops a dead branch",
  MIRROR,
  async () => {
    const model = await readModel(MINI_ONNX);
    const graph = cloneModel(model, { shareTensorData: true }).graph;
    assert.deepEqual(removeDeadNodes(graph), { nodes: 0, initializers: 0, valueInfo: 0 });
    const b = new GraphBuilder(graph);
    const dead = b.scope("/dead");
    const w = b.initializer("dead.weight", DataType.FLOAT, [256, 4]);
    const y = dead.op("MatMul", ["/distilbert/embeddings/LayerNorm/Add_1_output_0", w]);
    dead.op("Relu", [y]);
    assert.equal(graph.nodes.length, 429);
    assert.deepEqual(removeDeadNodes(graph), { nodes: 2, initializers: 1, valueInfo: 0 });
    assert.equal(graph.nodes.length, 427);
    assert.equal(graph.initializers.length, 72);
  },
);

Deno.test("replaceUses rewires consumers; graph outputs only when asked", () => {
  const b = new GraphBuilder();
  const x = b.input("x", DataType.FLOAT, [2]);
  const y = b.op("Relu", [x]);
  const z = b.op("Neg", [y]);
  b.output(y, DataType.FLOAT, [2]);
  const graph = b.build();
  assert.equal(replaceUses(graph, y, x), 1);
  assert.deepEqual(graph.nodes.find((n) => n.outputs[0] === z)!.inputs, [x]);
  assert.equal(graph.outputs[0].name, y);
  replaceUses(graph, y, x, { graphOutputs: true });
  assert.equal(graph.outputs[0].name, x);
});

Deno.test("GraphBuilder scopes names, renames outputs and validates the graph", async () => {
  const b = new GraphBuilder("mlp");
  const x = b.input("x", DataType.FLOAT, ["batch", 3]);
  const layer = b.scope("/mlp").scope("layer.0");
  assert.equal(layer.prefix, "/mlp/layer.0");
  const w = b.initializer("mlp.layer.0.weight", DataType.FLOAT, [3, 2], [1, 2, 3, 4, 5, 6]);
  const bias = b.initializer("mlp.layer.0.bias", DataType.FLOAT, [2], [0.5, -100]);
  const mm = layer.op("MatMul", [x, w]);
  const add = layer.op("Add", [mm, bias]);
  const relu = layer.op("Relu", [add]);
  const second = layer.op("Add", [relu, bias]);
  assert.equal(mm, "/mlp/layer.0/MatMul_output_0");
  assert.equal(second, "/mlp/layer.0/Add_1_output_0");
  const logits = b.output(second, DataType.FLOAT, ["batch", 2], { rename: "logits" });
  assert.equal(logits, "logits");
  const graph = b.build();
  assert.deepEqual(graph.nodes.map((n) => n.name), [
    "/mlp/layer.0/MatMul",
    "/mlp/layer.0/Add",
    "/mlp/layer.0/Relu",
    "/mlp/layer.0/Add_1",
  ]);
  assert.deepEqual(graph.nodes[3].outputs, ["logits"]);
  const session = await ort.InferenceSession.create(encodeModel(createModel(graph)));
  const out = await session.run({
    x: new ort.Tensor("float32", new Float32Array([1, 1, 1, 2, 0, -1]), [2, 3]),
  });
  // [1,1,1]·W = [9, 12] → +b → relu → [9.5, 0] → +b → [10, -100];
  // [2,0,-1]·W = [-3, -2] → +b → relu → [0, 0] → +b → [0.5, -100].
  assert.deepEqual(Array.from(out.logits.data as Float32Array), [10, -100, 0.5, -100]);

  const broken = new GraphBuilder("broken");
  broken.op("Relu", ["nowhere"]);
  assert.throws(() => broken.build(), /reads "nowhere", which no node, initializer/);
  const dup = new GraphBuilder("dup");
  dup.input("x", DataType.FLOAT, [1]);
  assert.throws(() => dup.op("Relu", ["x"], { output: "x" }), /"x" .* already used/);
  assert.throws(() => dup.input("x", DataType.FLOAT, [1]), /already used/);
});

extendedTest(
  "UniqueNames reserves a graph's names and counts past taken ones",
  MIRROR,
  async () => {
    const { graph } = await readModel(MINI_ONNX);
    const names = new UniqueNames(graph);
    assert.equal(names.has("distilbert.embeddings.word_embeddings.weight"), true);
    const add = "/distilbert/embeddings/LayerNorm/Add";
    assert.equal(names.has(add) && names.has(`${add}_1`), true);
    assert.equal(names.next(add), `${add}_2`);
    assert.equal(names.next(add), `${add}_3`);
    assert.equal(names.next("/distilbert/embeddings/Add"), "/distilbert/embeddings/Add_1");
    assert.equal(names.next("fresh"), "fresh");
  },
);

extendedTest("getAttribute checks kinds and graphStats counts ops and bytes", MIRROR, async () => {
  const model = await readModel(MINI_ONNX);
  const transpose = model.graph.nodes.find((n) => n.opType === "Transpose")!;
  assert.deepEqual(getAttribute(transpose, "perm", "ints"), [0, 2, 1, 3]);
  assert.throws(() => getAttribute(transpose, "perm", "int"), /"perm" is ints, expected int/);
  assert.throws(() => getAttribute(transpose, "axis", "int"), /has no attribute "axis"/);
  const node = { ...transpose, attributes: { alpha: attr.float(0.5) } };
  assert.equal(getAttribute(node, "alpha", "float"), 0.5);
  const stats = graphStats(model.graph);
  assert.equal(stats.nodes, 427);
  assert.equal(stats.opCounts.MatMul, 32);
  assert.equal(stats.opCounts.Constant, 130);
  assert.equal(Object.keys(stats.opCounts)[0], "Constant");
  // The mini stand-in has 11.17 M parameters, all float32.
  assert.equal(stats.initializerBytes, stats.parameters * 4);
  assert.deepEqual(Object.keys(stats.bytesByType), ["FLOAT"]);
  assert.ok(stats.parameters > 11_000_000 && stats.parameters < 11_300_000, `${stats.parameters}`);
});

Deno.test("cloneModel copies or shares tensor data as asked", async () => {
  const model = await readModel(ANY_ONNX);
  const deep = cloneModel(model);
  const shared = cloneModel(model, { shareTensorData: true });
  const first = model.graph.initializers[0];
  assert.notEqual(deep.graph.initializers[0].data, first.data);
  assert.deepEqual(deep.graph.initializers[0].data, first.data);
  assert.equal(shared.graph.initializers[0].data, first.data);
  shared.graph.nodes[0].inputs[0] = "changed";
  shared.graph.initializers[0].dims.push(1);
  assert.notEqual(model.graph.nodes[0].inputs[0], "changed");
  assert.notEqual(
    model.graph.initializers[0].dims.length,
    shared.graph.initializers[0].dims.length,
  );
});
