import assert from "node:assert/strict";
import type { AtlasEntry, ErrorAtlas } from "./error_atlas.ts";
import { sqnrByLayerKind } from "./by_layer_kind.ts";

const entry = (label: string, local: number, propagated: number, weightSqnr?: number) =>
  ({ label, local, propagated, weightSqnr }) as AtlasEntry;
const atlas = (entries: AtlasEntry[]) => ({ entries }) as unknown as ErrorAtlas;

Deno.test("sqnrByLayerKind: means over the blocks per kind of layer and variant, worst first", () => {
  const rows = sqnrByLayerKind({
    fp16: atlas([
      entry("distilbert.transformer.layer.0.ffn.lin2", 70, 60, 80),
      entry("distilbert.transformer.layer.1.ffn.lin2", 72, 58, 82),
      entry("distilbert.transformer.layer.0.attention.q_lin", 75, 70),
    ]),
    bf16: atlas([
      entry("distilbert.transformer.layer.0.ffn.lin2", 50, 40, 56),
      entry("distilbert.transformer.layer.1.ffn.lin2", 46, 38, 54),
      entry("distilbert.transformer.layer.0.attention.q_lin", 52, 45),
    ]),
  });
  assert.deepEqual(rows.map((r) => r.layer), ["ffn/lin2", "attention/q_lin"]);
  assert.deepEqual(rows[0], {
    layer: "ffn/lin2",
    count: 2,
    "fp16 local": 71,
    "fp16 propagated": 59,
    "bf16 local": 48,
    "bf16 propagated": 39,
    "fp16 weight": 81,
    "bf16 weight": 55,
  });
  assert.equal(rows[1]["bf16 weight"], undefined);
});
