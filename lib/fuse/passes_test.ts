import assert from "node:assert/strict";
import { graphStats } from "../onnx/mod.ts";
import { checkPass, smallDistilBert, standinModel, tinyCnn } from "./_test_support.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

// Every pass, on the stand-in's torch export (4 layers), on a random DistilBERT built by the kit
// (2 layers) and on the tiny CNN: exact match counts, and the same outputs in ONNX Runtime.

const STANDIN_MATCHES: Record<string, number> = {
  "constant-folding": 130, // every Constant node; nothing else is constant (shapes are dynamic)
  "dead-node-removal": 4, // the Cast(bool → bool) of each layer's mask
  "reshape-simplify": 24, // 20 run-time Reshape shapes → constants, 4 mask Expands
  "layer-norm": 9,
  "attention": 4,
  "qkv-merge": 4,
  "skip-layer-norm": 9, // 8 residuals + the embeddings (broadcast position skip)
  "gelu": 4,
  "bias-gelu": 4,
  "matmul-bias": 0, // torch already exported the head as Gemm
};

const KIT_MATCHES: Record<string, number> = {
  "layer-norm": 5,
  "attention": 2,
  "qkv-merge": 2,
  "skip-layer-norm": 5,
  "gelu": 2,
  "bias-gelu": 2,
  "matmul-bias": 2, // pre_classifier and classifier
  "constant-folding": 0,
  "reshape-simplify": 0,
};

for (const [pass, n] of Object.entries(STANDIN_MATCHES)) {
  extendedTest(
    `${pass} on the stand-in's torch export: ${n} matches, same outputs`,
    MIRROR,
    async () => {
      const { result, comparison } = await checkPass(await standinModel(), pass, n);
      if (comparison) assert.ok(comparison.maxAbsDiff < 1e-4);
      if (pass === "layer-norm") {
        assert.equal(result.model.opsetImports.find((o) => o.domain === "")?.version, 17);
        assert.deepEqual(result.notes, ["opset raised from 14 to 17 for LayerNormalization"]);
      }
    },
  );
}

for (const [pass, n] of Object.entries(KIT_MATCHES)) {
  Deno.test(`${pass} on a random kit DistilBERT: ${n} matches, same outputs`, async () => {
    await checkPass(smallDistilBert(), pass, n);
  });
}

Deno.test("conv passes on the tiny CNN: matches and same outputs", async () => {
  await checkPass(tinyCnn(), "conv-batchnorm", 2);
  const { result } = await checkPass(tinyCnn(), "conv-activation", 2);
  const fused = result.model.graph.nodes.filter((n) => n.opType === "FusedConv");
  assert.deepEqual(fused.map((n) => n.attributes.activation), [
    { type: "string", value: "Relu" },
    { type: "string", value: "Relu" },
  ]);
  await checkPass(tinyCnn(), "silu", 1);
  await checkPass(tinyCnn(), "reshape-simplify", 1);
  await checkPass(tinyCnn(), "matmul-bias", 1);
});

Deno.test("constant-folding folds Shape of a known shape through Gather/Unsqueeze/Concat", async () => {
  const model = tinyCnn(2); // fixed batch: the flatten's Shape is known
  const { result } = await checkPass(model, "constant-folding", 4);
  const ops = graphStats(result.model.graph).opCounts;
  assert.equal(ops.Shape, undefined);
  assert.equal(ops.Concat, undefined);
  const shape = result.model.graph.initializers.find((t) => t.name.startsWith("/flatten/Concat"));
  assert.deepEqual(shape?.data, new BigInt64Array([2n, -1n]));
});
