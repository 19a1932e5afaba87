/**
 * The tuner on the stand-in DistilBERT (mini) and MRPC: static INT8 tuned against all 408
 * validation pairs with 100 calibration samples from train, under the default criterion (1%
 * relative accuracy loss).
 */
import assert from "node:assert/strict";
import { MINI_DIR, standinMrpc } from "../../tests/support/mrpc.ts";
import { readModel } from "../onnx/mod.ts";
import { classifierEvaluator, tune } from "./mod.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const [model, { validation, train }] = await Promise.all([
  readModel(`${MINI_DIR}/onnx/model.onnx`),
  standinMrpc(),
]);
const session = { intraOpThreads: 2 };

extendedTest(
  "tune (basic, static) on the stand-in meets 1% relative on MRPC validation",
  MIRROR,
  async () => {
    const result = await tune({
      model,
      approach: "static",
      calibration: train.batches,
      calibrationSize: 100,
      evaluate: classifierEvaluator({ batches: validation.batches, session }),
      latency: { iterations: 5 },
      session,
      progress: false,
    });
    console.log(result.toString());
    console.log(JSON.stringify({
      fp32: result.baseline,
      best: { ...result.best, config: result.best.config.recipe },
      calibration: { samples: result.calibration?.samples, seconds: result.calibration?.seconds },
      seconds: result.seconds,
    }));
    assert.equal(result.calibration?.samples, 100);
    assert.equal(validation.rows.length, 408);
    assert.ok(
      Math.abs(result.baseline.accuracy - 278 / 408) < 0.02,
      `FP32 ${result.baseline.accuracy}`,
    );
    assert.equal(result.met, true, result.message);
    const loss = (result.baseline.accuracy - result.best.accuracy) / result.baseline.accuracy;
    assert.ok(loss <= 0.01, `relative loss ${loss}`);
    assert.ok(result.best.agreement! >= 0.95, `agreement ${result.best.agreement}`);
    assert.ok(result.best.sizeBytes < 0.4 * result.baseline.sizeBytes, "INT8 weights");
    assert.ok(result.report.counts.quantized >= 20, JSON.stringify(result.report.counts));
  },
);

Deno.test("tune (basic, dynamic) on the stand-in meets 1% relative on MRPC validation", async () => {
  const result = await tune({
    model,
    approach: "dynamic",
    calibration: train.batches,
    evaluate: classifierEvaluator({ batches: validation.batches, session }),
    latency: { iterations: 5 },
    session,
    progress: false,
  });
  console.log(result.toString());
  assert.equal(result.met, true, result.message);
  const loss = (result.baseline.accuracy - result.best.accuracy) / result.baseline.accuracy;
  assert.ok(loss <= 0.01, `relative loss ${loss}`);
  assert.ok(result.best.agreement! >= 0.95, `agreement ${result.best.agreement}`);
  assert.equal(result.best.config.approach, "dynamic");
});
