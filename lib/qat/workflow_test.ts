import assert from "node:assert/strict";
import { join } from "node:path";
import { agreementWith } from "../eval/mod.ts";
import { hubSettings } from "../hub/mod.ts";
import { buildDistilBertGraph } from "../model/mod.ts";
import { readModel } from "../onnx/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { STANDINS } from "../../tests/support/mirror.ts";
import { qatComparisonTable } from "./figures.ts";
import { QAT_QUICK_PROFILE } from "./profile.ts";
import { prepareQatData, ptqBaseline, qatFineTune, scoreOnnx } from "./workflow.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

extendedTest(
  "qatFineTune with self-distillation: trains, writes a QDQ model ORT scores like the fake-quant model",
  MIRROR,
  async () => {
    const server = await startHubServer();
    const cache = await Deno.makeTempDir();
    try {
      const data = await prepareQatData({
        modelId: STANDINS.mini,
        settings: hubSettings({ endpoint: server.url, cacheDir: cache }),
        profile: { ...QAT_QUICK_PROFILE, maxSteps: 2, trainLimit: 32, validationLimit: 64 },
        calibrationSamples: 16,
        progress: false,
      });
      assert.equal(data.train.encoded.length, 32);
      assert.equal(data.validation.reduce((n, b) => n + b.size, 0), 64);
      const fp32 = await scoreOnnx(
        "FP32",
        buildDistilBertGraph(data.config, data.weights),
        data.validation,
      );
      const ptq = await ptqBaseline(data, { reference: fp32.logits });
      assert.equal(ptq.calibration.samples, 16);
      assert.deepEqual(ptq.report.counts, { quantized: 26, fp32: 8 });
      const outPath = join(cache, "qat", "model_qat.onnx");
      const qat = await qatFineTune(data, {
        warmup: ptq.calibration,
        reference: fp32.logits,
        distill: { alpha: 1, temperature: 1 },
        outPath,
        progress: false,
        log: false,
        handleSigint: false,
      });
      try {
        assert.equal(qat.training.steps, 2);
        // α = 1: the loss is the KL divergence to the FP32 model's own soft labels, close to 0 for
        // a model that starts at FP32 (cross-entropy on MRPC labels is ≈ 0.6 here).
        assert.ok(qat.training.history[0].loss < 0.05, `KD loss ${qat.training.history[0].loss}`);
        const written = await readModel(outPath);
        assert.equal(
          written.graph.nodes.filter((n) => n.opType === "QuantizeLinear").length,
          qat.exported.model.graph.nodes.filter((n) => n.opType === "QuantizeLinear").length,
        );
        const parity = agreementWith({
          logits: qat.onnx.logits,
          reference: qat.fakeQuant.logits,
          numLabels: 2,
        });
        assert.ok(parity.agreement >= 63 / 64, `tfjs/ORT agreement ${parity.agreement}`);
        assert.ok(Math.abs(qat.onnx.accuracy - qat.fakeQuant.accuracy) <= 1 / 64);
        assert.ok(qat.onnx.quantizationError! > 0 && qat.onnx.quantizationError! < 0.05);
        assert.equal(qat.onnx.sizeBytes, ptq.score.sizeBytes, "same scheme, same size");
        const table = qatComparisonTable([
          fp32,
          ptq.score,
          qat.trainedFp32,
          qat.fakeQuant,
          qat.onnx,
        ]);
        assert.deepEqual(table.rows.map((r) => r.runtime), [
          "onnxruntime",
          "onnxruntime",
          "onnxruntime",
          "tfjs",
          "onnxruntime",
        ]);
      } finally {
        qat.model.dispose();
      }
    } finally {
      await server.close();
      await Deno.remove(cache, { recursive: true });
    }
  },
);
