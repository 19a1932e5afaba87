import assert from "node:assert/strict";
import { join } from "node:path";
import { writeModel } from "../onnx/mod.ts";
import { TINY, tinyModel } from "./_test_support.ts";
import { type QuantBenchRow, quantBenchRows } from "./bench.ts";

Deno.test("quantBenchRows: interleaved rows for every variant, sizes and quantization cost", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fp32Path = join(dir, "model.onnx");
    await writeModel(fp32Path, tinyModel());
    const { rows, measurements } = await quantBenchRows({
      fp32Path,
      outDir: dir,
      model: "tiny",
      vocabSize: TINY.vocabSize,
      batches: [1, 2],
      seq: 16,
      rounds: () => 3,
      calibrationSamples: 12,
      intraOpThreads: 1,
      progress: false,
    });
    const variants = ["fp32", "int8-dynamic", "int8-static", "int8-static-qoperator"];
    assert.deepEqual(
      rows.map((r) => `${r.variant}@${r.batch}`),
      [1, 2].flatMap((batch) => variants.map((v) => `${v}@${batch}`)),
    );
    for (const row of rows as QuantBenchRow[]) {
      assert.equal(row.runs, 3);
      assert.ok(row.medianMs > 0 && row.minMs <= row.medianMs && row.speedup > 0);
      if (row.variant === "fp32") assert.equal(row.sizeRatio, 1);
      // The tiny model's graph is a large share of its file; full size is ~25% (see the bench).
      else assert.ok(row.sizeRatio < 0.6, `${row.variant} is ${row.sizeRatio} of FP32`);
    }
    const names = measurements.map((m) => m.name);
    assert.ok(names.some((n) => /static .*time/.test(n)) && names.some((n) => /peak RSS/.test(n)));
    const rss = measurements.find((m) => /peak RSS/.test(m.name))!;
    assert.ok(rss.value > 0.05 && rss.value < 3, `${rss.value} GB`);
    assert.equal(
      measurements.filter((m) => /speedup/.test(m.name)).length,
      2,
      "targets at batch 1",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
