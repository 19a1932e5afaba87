import assert from "node:assert/strict";
import { hubSettings } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { STANDINS } from "../../tests/support/mirror.ts";
import { evaluateMixedPrecision } from "./evaluate_mixed_precision.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "evaluateMixedPrecision: fp16 next to fp32 on MRPC validation pairs, over the hub",
  MIRROR,
  async () => {
    const server = await startHubServer();
    const cache = await Deno.makeTempDir();
    try {
      const result = await evaluateMixedPrecision({
        modelId: STANDINS.mini,
        settings: hubSettings({ endpoint: server.url, cacheDir: cache }),
        targets: ["fp16"],
        limit: 40,
        outDir: `${cache}/out`,
        latency: { warmup: 0, iterations: 2, minTimeMs: 0 },
        progress: false,
        convert: { onWarning: () => {} },
      });
      const [fp32, fp16] = result.report.results;
      assert.deepEqual(result.report.results.map((r) => r.name), ["fp32", "fp16"]);
      assert.equal(result.fp32.evaluation.metrics.count, 40);
      assert.equal(fp16.agreement, 1);
      assert.ok(fp16.maxAbsLogitError! > 0 && fp16.maxAbsLogitError! < 2e-3);
      assert.ok(fp16.sizeBytes < 0.51 * fp32.sizeBytes);
      assert.ok(fp16.latencyMs.b1 > 0 && fp16.latencyMs.b8 > 0);
      assert.equal(fp16.details?.latency, "interleaved with the other variants");
      assert.equal(result.variants[0].conversion.casts.final, 28);
    } finally {
      await server.close();
      await Deno.remove(cache, { recursive: true });
    }
  },
);
