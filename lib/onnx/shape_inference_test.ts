import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultHubMirrorDir } from "../../tests/support/hub_server.ts";
import { readModel } from "./io.ts";
import { ShapeFacts } from "./shape_inference.ts";
import { broadcastShapes, reshapeDims } from "./shape_rules.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "ShapeFacts follows symbolic dims through the stand-in's torch export",
  MIRROR,
  async () => {
    const facts = new ShapeFacts(
      await readModel(join(
        defaultHubMirrorDir(),
        "standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
      )),
    );
    const a = "/distilbert/transformer/layer.0/attention/";
    // the run-time shape Concat(Unsqueeze(Gather(Shape(x), 0)), -1, 4, 64) is known symbolically
    assert.deepEqual(facts.value(`${a}Concat_output_0`), ["batch_size", -1, 4, 64]);
    assert.deepEqual(facts.shape(`${a}Reshape_output_0`), ["batch_size", "sequence_length", 4, 64]);
    assert.deepEqual(facts.shape(`${a}Transpose_2_output_0`), [
      "batch_size",
      4,
      64,
      "sequence_length",
    ]);
    assert.deepEqual(facts.shape(`${a}Where_output_0`), [
      "batch_size",
      4,
      "sequence_length",
      "sequence_length",
    ]);
    // position ids: Slice(range[1, 512], 0, sequence_length) on axis 1
    assert.deepEqual(facts.shape("/distilbert/embeddings/position_embeddings/Gather_output_0"), [
      1,
      "sequence_length",
      256,
    ]);
    assert.deepEqual(facts.shape("logits"), ["batch_size", 2]);
    assert.equal(facts.elemType(`${a}Equal_output_0`), 9);
  },
);

Deno.test("reshapeDims resolves -1 to a symbol when the others cancel", () => {
  const fresh = () => "?";
  assert.deepEqual(reshapeDims(["b", "s", 4, 64], ["b", -1, 256], false, fresh), ["b", "s", 256]);
  assert.deepEqual(reshapeDims(["b", "s", 256], [0, 0, 4, 64], false, fresh), ["b", "s", 4, 64]);
  assert.deepEqual(reshapeDims([6, 4], [-1, 3], false, fresh), [8, 3]);
  assert.deepEqual(reshapeDims(["b", "s"], [-1], false, fresh), ["?"]); // b·s has no name
});

Deno.test("broadcastShapes follows numpy rules with symbols", () => {
  const fresh = () => "?";
  assert.deepEqual(broadcastShapes([["b", 1, 1, "s"], ["b", 4, "s", "s"]], fresh), [
    "b",
    4,
    "s",
    "s",
  ]);
  assert.deepEqual(broadcastShapes([["s", 8], ["b", "s", 8]], fresh), ["b", "s", 8]);
  assert.deepEqual(broadcastShapes([["a"], ["b"]], fresh), ["?"]);
  assert.equal(broadcastShapes([undefined, [2]], fresh), undefined);
});
