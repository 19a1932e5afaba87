import assert from "node:assert/strict";
import { hubSettings } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { STANDINS } from "../../tests/support/mirror.ts";
import { QAT_SUITE_QUICK_STEPS, type QatBenchRow, qatBenchSuite } from "./bench.ts";

Deno.test("qatSuite: FP32 and QAT update rows of the run's model, fewer updates when quick, and the ratio", async () => {
  const server = await startHubServer();
  const cacheDir = await Deno.makeTempDir();
  try {
    const suite = qatBenchSuite({
      settings: hubSettings({ endpoint: server.url, cacheDir }),
      progress: false,
    });
    const context = { outDir: cacheDir, baseModelPath: "unused.onnx", modelId: STANDINS.tiny };
    for (const [quick, steps] of [[true, QAT_SUITE_QUICK_STEPS], [false, 3]] as const) {
      const { rows, measurements } = await suite.run({ ...context, quick });
      const [fp32, qat] = rows as QatBenchRow[];
      assert.deepEqual(rows.map((r) => r.variant), [
        "train step FP32 (tfjs wasm)",
        "train step QAT fake-quant (tfjs wasm)",
      ]);
      for (const row of [fp32, qat]) {
        assert.equal(row.model, STANDINS.tiny);
        assert.deepEqual([row.batch, row.seq, row.runs], [8, 128, steps]);
        assert.ok(row.medianMs > 0);
        const expected = (8 * 128 * 1000) / row.medianMs;
        assert.ok(Math.abs(row.tokensPerSecond / expected - 1) < 1e-12, "tokens / median seconds");
        assert.equal(row.sizeBytes, fp32.sizeBytes);
      }
      assert.equal(fp32.vsFp32, 1);
      assert.equal(qat.vsFp32, qat.medianMs / fp32.medianMs);
      assert.deepEqual(measurements, [
        { name: "fake quantization cost per update", value: qat.vsFp32, unit: "×" },
      ]);
    }
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
