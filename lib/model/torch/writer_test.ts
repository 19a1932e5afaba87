import assert from "node:assert/strict";
import { unzipSync } from "fflate";
import { DISTILBERT_BASE } from "../config.ts";
import { randomDistilBertWeights } from "../random.ts";
import {
  detectCheckpointFormat,
  parseTorchCheckpoint,
  serializeTorchCheckpoint,
  TorchCheckpointError,
} from "./mod.ts";

const CONFIG = { ...DISTILBERT_BASE, vocabSize: 50, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16 };

Deno.test("serializeTorchCheckpoint: both formats round-trip a DistilBERT state dict", () => {
  const weights = randomDistilBertWeights(CONFIG, { seed: 3 });
  for (const format of ["zip", "legacy"] as const) {
    const bytes = serializeTorchCheckpoint(weights, { format });
    assert.equal(detectCheckpointFormat(bytes), format);
    const back = parseTorchCheckpoint(bytes, `${format}.bin`);
    assert.deepEqual([...back.keys()], [...weights.keys()]);
    assert.deepEqual(back, weights);
    // the same weights give the same bytes
    assert.deepEqual(serializeTorchCheckpoint(weights, { format }), bytes);
  }
});

Deno.test("serializeTorchCheckpoint: zip entries as torch.save lays them out", () => {
  const weights = new Map([
    ["a", { shape: [3], data: Float32Array.of(1, 2, 3) }],
    ["b", { shape: [], data: Float32Array.of(7) }],
  ]);
  const entries = unzipSync(serializeTorchCheckpoint(weights, { archiveName: "model" }));
  assert.deepEqual(Object.keys(entries).sort(), [
    "model/byteorder",
    "model/data.pkl",
    "model/data/0",
    "model/data/1",
    "model/version",
  ]);
  assert.deepEqual([...new Float32Array(entries["model/data/0"].slice().buffer)], [1, 2, 3]);
  assert.equal(new TextDecoder().decode(entries["model/byteorder"]), "little");
});

Deno.test("serializeTorchCheckpoint: a tensor whose data does not fit its shape is refused", () => {
  const weights = new Map([["w", { shape: [2, 3], data: new Float32Array(5) }]]);
  assert.throws(
    () => serializeTorchCheckpoint(weights),
    (e: unknown) =>
      e instanceof TorchCheckpointError && /"w": shape \[2,3\] needs 6/.test(e.message),
  );
});
