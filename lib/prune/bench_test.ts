import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { writeModel } from "../onnx/mod.ts";
import { PRUNE_VARIANTS, type PruneBenchRow, pruneBenchRows } from "./bench.ts";

Deno.test("pruneBenchRows: every variant at each batch, with sparsity and size ratios (small model, quick)", async () => {
  const config = {
    ...DISTILBERT_BASE,
    vocabSize: 1100, // synthetic token ids start at 1000
    dim: 64,
    nLayers: 2,
    nHeads: 4,
    hiddenDim: 256,
    maxPositionEmbeddings: 64,
  };
  const dir = await Deno.makeTempDir({ prefix: "prune-bench-" });
  try {
    const fp32Path = join(dir, "model.onnx");
    await writeModel(fp32Path, buildDistilBert(config, { seed: 4 }));
    const { rows, measurements } = await pruneBenchRows({
      fp32Path,
      outDir: dir,
      config,
      seq: 32,
      quick: true,
      intraOpThreads: 1,
      progress: false,
    });
    const all = rows as PruneBenchRow[];
    assert.deepEqual(all.map((r) => `${r.variant}@${r.batch}`), [
      ...PRUNE_VARIANTS.map((v) => `${v}@1`),
      ...PRUNE_VARIANTS.map((v) => `${v}@8`),
    ]);
    const at = (variant: string) => all.find((r) => r.variant === variant && r.batch === 8)!;
    assert.equal(at("fp32").sparsity, 0);
    assert.equal(at("unstructured-50").sparsity, 0.5);
    assert.equal(at("2:4").sparsity, 0.5);
    assert.equal(at("structured").sparsity, 0);
    assert.equal(at("fp32").sizeRatio, 1);
    assert.ok(at("structured").sizeRatio < 0.9, `${at("structured").sizeRatio}`);
    assert.ok(at("structured-int8").sizeRatio < at("structured").sizeRatio / 2);
    assert.ok(at("unstructured-50").sizeRatio > 0.99); // zeros are stored all the same
    assert.ok(at("unstructured-50").compressedRatio < at("fp32").compressedRatio);
    assert.ok(all.every((r) => r.medianMs > 0 && r.pairedSpeedup > 0));
    assert.ok(measurements.some((m) => m.name.startsWith("structured speedup over FP32, batch 8")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
