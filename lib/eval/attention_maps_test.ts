import assert from "node:assert/strict";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { attentionGridFigure, attentionMaps } from "./attention_maps.ts";
import { captureIntermediates } from "./intermediates.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 200,
  nLayers: 3,
  dim: 32,
  nHeads: 4,
  hiddenDim: 64,
};
const model = buildDistilBert(config, { seed: 3 });
// 6 real tokens, then 2 of padding
const batch = {
  size: 1,
  seqLen: 8,
  inputIds: new BigInt64Array([101n, 7n, 8n, 9n, 102n, 10n, 0n, 0n]),
  attentionMask: new BigInt64Array([1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n]),
};

Deno.test("attentionMaps: one [heads, seq, seq] map per layer, rows sum to 1, padding unseen", async () => {
  const maps = await attentionMaps({ model, batch });
  assert.equal(maps.layers, 3);
  assert.equal(maps.heads, 4);
  for (let layer = 0; layer < 3; layer++) {
    for (let head = 0; head < 4; head++) {
      for (const row of maps.map(layer, head)) {
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        assert.ok(row[6] < 1e-6 && row[7] < 1e-6, "masked keys get no attention");
      }
    }
  }
  const fig = attentionGridFigure(maps);
  assert.equal(fig.data.length, 12);
});

Deno.test("captureIntermediates returns the logits the model outputs anyway", async () => {
  const logits = model.graph.outputs[0].name;
  const gelu = model.graph.nodes.find((n) => n.opType === "Gelu" || n.opType === "Erf")!;
  const out = await captureIntermediates({ model, batch, outputs: [logits, gelu.outputs[0]] });
  assert.deepEqual(out.get(logits)!.dims, [1, 2]);
  assert.equal(out.get(gelu.outputs[0])!.data.length % 8, 0);
});
