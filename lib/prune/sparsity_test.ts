import assert from "node:assert/strict";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { DataType, shapeSize } from "../onnx/mod.ts";
import { createRng } from "../random/mod.ts";
import { linearWeights } from "./onnx_masks.ts";
import { applyMasks } from "./onnx_masks.ts";
import type { MaskSet } from "./mask.ts";
import { compressedSize, weightSparsity } from "./sparsity.ts";

const CONFIG = {
  ...DISTILBERT_BASE,
  vocabSize: 200,
  dim: 64,
  nLayers: 3,
  nHeads: 4,
  hiddenDim: 256,
  maxPositionEmbeddings: 64,
};

/** Random masks over every transformer Linear weight, a different fraction per layer. */
function randomMasks(fractions: number[]): MaskSet {
  const rng = createRng(5);
  const masks: MaskSet = new Map();
  const model = buildDistilBert(CONFIG, { seed: 2 });
  for (const [name, t] of linearWeights(model)) {
    const layer = name.match(/layer\.(\d+)\..*\.weight$/);
    if (!layer) continue;
    const mask = new Uint8Array(t.data.length).fill(1);
    const zeros = Math.round(fractions[Number(layer[1])] * mask.length);
    const order = [...mask.keys()].sort(() => rng.next() - 0.5);
    for (const k of order.slice(0, zeros)) mask[k] = 0;
    masks.set(name, { shape: t.shape, mask });
  }
  return masks;
}

Deno.test("weightSparsity: exact zero fraction per weight, per layer and overall", () => {
  const { model } = applyMasks(buildDistilBert(CONFIG, { seed: 2 }), randomMasks([0.5, 0.75, 0]));
  const s = weightSparsity(model);
  assert.deepEqual(s.byLayer.map((l) => l.sparsity), [0.5, 0.75, 0]);
  const perLayer = 4 * 64 * 64 + 2 * 64 * 256;
  assert.deepEqual(s.overall, {
    zeros: perLayer * 1.25,
    total: 3 * perLayer,
    sparsity: (perLayer * 1.25) / (3 * perLayer),
  });
  assert.equal(s.byWeight.get("distilbert.transformer.layer.1.ffn.lin2.weight")?.sparsity, 0.75);
  assert.equal(s.byWeight.has("classifier.weight"), false);
  assert.equal(weightSparsity(model, { include: () => true }).byWeight.size, 3 * 6 + 2);
});

Deno.test("compressedSize: zipped INT8 shrinks with sparsity, the dense size does not", () => {
  const dense = buildDistilBert(CONFIG, { seed: 2 });
  const { model: sparse } = applyMasks(dense, randomMasks([0.8, 0.8, 0.8]));
  const a = compressedSize(dense);
  const b = compressedSize(sparse);
  assert.equal(a.fp32Bytes, b.fp32Bytes);
  assert.equal(a.int8Bytes, b.int8Bytes);
  // one byte per weight plus a float scale per row; 1-D tensors stay FP32
  const expected = dense.graph.initializers.filter((t) => t.dataType === DataType.FLOAT)
    .reduce(
      (sum, t) => sum + (t.dims.length < 2 ? 4 * shapeSize(t.dims) : t.dims[0] * (t.dims[1] + 4)),
      0,
    );
  assert.equal(a.int8Bytes, expected);
  // random normal weights barely compress; 80% zeros in the layers do
  assert.ok(a.int8ZippedBytes / a.int8Bytes > 0.8, `${a.int8ZippedBytes / a.int8Bytes}`);
  assert.ok(
    b.int8ZippedBytes < 0.75 * a.int8ZippedBytes,
    `${b.int8ZippedBytes} vs ${a.int8ZippedBytes}`,
  );
  assert.equal(b.ratio, b.int8ZippedBytes / b.fp32Bytes);
});
