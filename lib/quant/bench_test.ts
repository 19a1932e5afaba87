import assert from "node:assert/strict";
import { join } from "node:path";
import { writeModel } from "../onnx/mod.ts";
import { TINY, tinyModel } from "./_test_support.ts";
import { type QuantBenchOptions, type QuantBenchRow, quantBenchRows } from "./bench.ts";

/** {@link quantBenchRows} on the tiny model written to `dir`, seq 16, 3 rounds, one thread. */
async function tinyBench(dir: string, options: Partial<QuantBenchOptions>) {
  const fp32Path = join(dir, "model.onnx");
  await writeModel(fp32Path, tinyModel());
  return await quantBenchRows({
    fp32Path,
    outDir: dir,
    model: "tiny",
    vocabSize: TINY.vocabSize,
    seq: 16,
    rounds: () => 3,
    intraOpThreads: 1,
    progress: false,
    ...options,
  });
}

Deno.test("quantBenchRows: interleaved rows for every variant, sizes and quantization cost", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { rows, measurements } = await tinyBench(dir, {
      batches: [1, 2],
      calibrationSamples: 12,
      weightOnly: [],
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

Deno.test("quantBenchRows: weight-only q4 rows with size and speed ratios to FP32", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { rows, measurements } = await tinyBench(dir, { batches: [1], calibrationSamples: 8 });
    const q4 = rows.find((r) => r.variant === "q4") as QuantBenchRow;
    assert.ok(q4.medianMs > 0 && q4.pairedSpeedup > 0);
    // Smaller than the int8 file: 4-bit weights plus one scale per 32 values.
    const int8 = rows.find((r) => r.variant === "int8-dynamic") as QuantBenchRow;
    assert.ok(q4.sizeRatio < int8.sizeRatio, `q4 ${q4.sizeRatio} vs int8 ${int8.sizeRatio}`);
    const size = measurements.find((m) => m.name.startsWith("q4 (block 32) size"))!;
    assert.equal(size.value, 100 * q4.sizeRatio);
    assert.ok(
      measurements.some((m) =>
        m.name === "q4 speedup over FP32, batch 1 (paired median; shared machine)"
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
