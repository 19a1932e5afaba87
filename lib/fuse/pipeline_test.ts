import assert from "node:assert/strict";
import { graphStats } from "../onnx/mod.ts";
import { JUPYTER_DISPLAY } from "../display/mod.ts";
import { smallDistilBert, standinModel, tinyCnn } from "./_test_support.ts";
import { assertSameOutputs } from "./check.ts";
import { subgraphDiagram } from "./diagram.ts";
import { UnknownPassError } from "./errors.ts";
import { nodeCountFigure } from "./figures.ts";
import { fuse } from "./pipeline.ts";
import { ALL_PASSES, DEFAULT_PASSES, QUANTIZATION_FRIENDLY_PASSES } from "./pass_registry.ts";
import { fusionBenchRows } from "./bench.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";
import { layerNorm } from "./passes/layer_norm.ts";

extendedTest(
  "fuse (all passes) on the stand-in: 427 → 40 nodes, same outputs and hidden states",
  MIRROR,
  async () => {
    const model = await standinModel();
    const snapshot = structuredClone(model.graph.nodes);
    const { model: fused, report } = fuse(model, { passes: ALL_PASSES });
    assert.deepEqual(model.graph.nodes, snapshot); // the input is not changed
    assert.equal(report.nodesBefore, 427);
    assert.equal(report.nodesAfter, 40);
    assert.deepEqual(graphStats(fused.graph).opCounts, {
      MatMul: 12,
      "com.microsoft:SkipLayerNormalization": 9,
      Gather: 4,
      "com.microsoft:Attention": 4,
      "com.microsoft:BiasGelu": 4,
      Gemm: 2,
      Shape: 1,
      Unsqueeze: 1,
      Slice: 1,
      Cast: 1,
      Relu: 1,
    });
    const result = await assertSameOutputs(model, fused, { batch: 3, seq: 24, maxProbes: 16 });
    assert.ok(result.values.length >= 10);
    assert.ok(result.maxAbsDiff < 2e-5, `max |diff| ${result.maxAbsDiff}`);
  },
);

Deno.test("fuse (CPU default) on the kit's DistilBERT: LayerNormalization kept unfused with Add", async () => {
  const model = smallDistilBert();
  const { model: fused, report } = fuse(model);
  assert.deepEqual(DEFAULT_PASSES.includes("skip-layer-norm"), false);
  assert.equal(report.matchCounts()["attention"], 2);
  const ops = graphStats(fused.graph).opCounts;
  assert.equal(ops.LayerNormalization, 5);
  assert.equal(ops["com.microsoft:Attention"], 2);
  assert.equal(ops["com.microsoft:BiasGelu"], 2);
  assert.equal(ops.Gemm, 2);
  assert.equal(report.nodesAfter, 34);
  await assertSameOutputs(model, fused, { batch: 3, seq: 20 });
});

Deno.test("quantization-friendly passes keep every Linear a MatMul/Gemm with a constant weight", async () => {
  const model = smallDistilBert();
  const { model: fused } = fuse(model, { passes: QUANTIZATION_FRIENDLY_PASSES });
  const inits = new Set(fused.graph.initializers.map((t) => t.name));
  const linears = fused.graph.nodes.filter((n) => n.opType === "MatMul" || n.opType === "Gemm")
    .filter((n) => inits.has(n.inputs[1]));
  // per layer: merged QKV, out_lin, lin1, lin2; plus the two head Gemms
  assert.equal(linears.length, 2 * 4 + 2);
  assert.ok(inits.has("distilbert.transformer.layer.1.attention.qkv.weight"));
  assert.ok(inits.has("distilbert.transformer.layer.1.ffn.lin1.weight"));
  assert.equal(fused.graph.nodes.some((n) => n.opType === "Attention"), false);
  assert.deepEqual(fused.graph.inputs, model.graph.inputs);
  assert.deepEqual(fused.graph.outputs, model.graph.outputs);
  await assertSameOutputs(model, fused, { seq: 12 });
});

Deno.test("fuse on the tiny CNN: 17 → 7 nodes, same outputs", async () => {
  const model = tinyCnn();
  const { model: fused, report } = fuse(model);
  assert.equal(report.nodesAfter, 7);
  assert.deepEqual(graphStats(fused.graph).opCounts, {
    "com.microsoft:FusedConv": 2,
    Conv: 1,
    "com.microsoft:QuickGelu": 1,
    GlobalAveragePool: 1,
    Reshape: 1,
    Gemm: 1,
  });
  await assertSameOutputs(model, fused, { batch: 4 });
});

Deno.test("fuse rejects unknown pass names before doing any work", () => {
  assert.throws(() => fuse(tinyCnn(), { passes: ["gelu", "fuse-everything"] }), UnknownPassError);
});

Deno.test("the report lists passes, matched nodes and node counts", () => {
  const { report } = fuse(smallDistilBert());
  const text = report.toString();
  assert.match(text, /^Fusion passes\n/);
  assert.match(text, /layer-norm\s+5\s+123\s+83/);
  const bundle = report[JUPYTER_DISPLAY]() as Record<string, string>;
  assert.match(bundle["text/html"], /<details><summary><b>attention<\/b>: 2 match\(es\)/);
  assert.match(bundle["text/html"], /\/distilbert\/transformer\/layer\.0\/attention\/Softmax/);
  const total = report.table().rows.at(-1)!;
  assert.deepEqual([total.pass, total["nodes before"], total["nodes after"]], ["total", 123, 34]);
  assert.deepEqual(nodeCountFigure({ kit: report }).data[0].y, [
    123,
    ...report.passes.map((p) => p.nodesAfter),
  ]);
});

extendedTest(
  "subgraphDiagram draws one transformer block before and after fusion",
  MIRROR,
  async () => {
    const model = await standinModel();
    const prefix = "/distilbert/transformer/layer.0/";
    const before = subgraphDiagram(model, { nodes: prefix, title: "layer 0, exported" });
    const after = subgraphDiagram(fuse(model).model, { nodes: prefix, title: "layer 0, fused" });
    assert.equal(before.nodeCount, 70); // Constants are folded into the labels
    assert.equal(after.nodeCount, 11);
    assert.match(after.mermaid, /^flowchart TD\n/);
    assert.match(after.mermaid, /\["Attention \[256×768\]"\]/);
    assert.match(after.svg, /<text [^>]*>BiasGelu<\/text>/);
    const markdown = after.asMermaid()[JUPYTER_DISPLAY]() as Record<string, string>;
    assert.match(markdown["text/markdown"], /^\*\*layer 0, fused\*\*\n\n```mermaid\nflowchart TD/);
    assert.ok("image/svg+xml" in after[JUPYTER_DISPLAY]());
    assert.throws(() => subgraphDiagram(model, { maxNodes: 50 }), /more than maxNodes 50/);
  },
);

Deno.test("fusionBenchRows: ORT levels and kit variants with node counts from ORT's optimized model", async () => {
  const rows = await fusionBenchRows({
    model: smallDistilBert(),
    modelName: "small",
    batches: [1],
    seq: 16,
    variants: ["ort-disabled", "ort-all", "kit+ort-basic"],
    measure: { warmup: 0, iterations: 2, minTimeMs: 0 },
    progress: false,
  });
  assert.deepEqual(rows.map((r) => r.variant), ["ort-disabled", "ort-all", "kit+ort-basic"]);
  const [disabled, all, kit] = rows;
  assert.equal(disabled.nodes, 123);
  assert.ok(all.nodes < disabled.nodes);
  assert.equal(kit.fileNodes, 34);
  assert.ok(kit.nodes <= kit.fileNodes);
  assert.ok(kit.nodes < all.nodes, `kit ${kit.nodes} vs ORT all ${all.nodes}`);
  assert.ok(kit.maxAbsDiff !== undefined && kit.maxAbsDiff < 1e-4);
  assert.ok(rows.every((r) => r.minMs > 0 && r.minMs <= r.medianMs && r.runs >= 2));
  assert.ok(rows.every((r) => r.sizeBytes > 0));
});

Deno.test("defaults are explicit lists: the built-ins but skip-layer-norm (and attention)", () => {
  assert.deepEqual(DEFAULT_PASSES, ALL_PASSES.filter((n) => n !== "skip-layer-norm"));
  assert.deepEqual(QUANTIZATION_FRIENDLY_PASSES, DEFAULT_PASSES.filter((n) => n !== "attention"));
});

Deno.test("fuse runs pass objects and configured passes in registry order, each once", () => {
  const model = smallDistilBert();
  const seen: unknown[] = [];
  const probe = {
    name: "probe",
    description: "Records its options.",
    produces: [],
    requires: [],
    run: (m: typeof model, options?: unknown) => (seen.push(options), { model: m, matches: [] }),
  };
  const { report } = fuse(model, {
    passes: [{ pass: probe, options: { k: 1 } }, "gelu", layerNorm, "layer-norm"],
  });
  assert.deepEqual(report.passes.map((p) => p.pass), ["layer-norm", "gelu", "probe"]);
  assert.deepEqual(seen, [{ k: 1 }]);
  assert.throws(() => fuse(model, { passes: ["nope"] }), UnknownPassError);
});
