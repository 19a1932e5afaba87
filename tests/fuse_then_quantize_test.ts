import assert from "node:assert/strict";
import { STANDINS } from "./support/mirror.ts";
import { withHub } from "./support/with_hub.ts";
import { loadClassifier } from "../lib/model/mod.ts";
import { prepareMrpc } from "../lib/data/mod.ts";
import { encodeModel, readModel } from "../lib/onnx/mod.ts";
import { fuse, QUANTIZATION_FRIENDLY_PASSES } from "../lib/fuse/mod.ts";
import { calibrate, quantizeStatic } from "../lib/quant/mod.ts";
import { agreementWith, evaluateClassifier } from "../lib/eval/mod.ts";
import { createSession } from "../lib/runtime/mod.ts";
import type { Model } from "../lib/onnx/mod.ts";
import { extendedTest, MIRROR } from "./support/extended.ts";

extendedTest(
  "fusing before static PTQ loses no accuracy on the stand-in (all of MRPC validation)",
  MIRROR,
  async () => {
    await withHub({}, async ({ settings }) => {
      const common = { settings, progress: false } as const;
      const fp32 = await readModel((await loadClassifier(STANDINS.mini, common)).path);
      const validation = await prepareMrpc("validation", {
        modelId: STANDINS.mini,
        batchSize: 16,
        ...common,
      });
      const train = await prepareMrpc("train", {
        modelId: STANDINS.mini,
        limit: 64,
        batchSize: 16,
        ...common,
      });
      const evaluate = async (model: Model) => {
        const session = await createSession(encodeModel(model));
        try {
          return await evaluateClassifier(session, validation.batches, { progress: false });
        } finally {
          await session.session.release();
        }
      };
      const quantize = async (model: Model) => {
        const ranges = await calibrate(model, train.batches, { progress: false });
        return quantizeStatic(model, ranges);
      };
      const fused = fuse(fp32, { passes: QUANTIZATION_FRIENDLY_PASSES });
      assert.ok(fused.report.nodesAfter < fused.report.nodesBefore / 3);
      const plain = await quantize(fp32);
      const fusedInt8 = await quantize(fused.model);
      // Every Linear still quantizes after fusion (Q/K/V merged into one MatMul per layer).
      const linears = (r: typeof plain) =>
        r.report.nodes.filter((n) => n.quantized && n.opType !== "Gather").length;
      assert.ok(
        linears(fusedInt8) >= linears(plain) - 2 * 4,
        `${linears(fusedInt8)} vs ${linears(plain)}`,
      );
      const reference = await evaluate(fp32);
      for (const [name, model] of [["plain", plain.model], ["fused", fusedInt8.model]] as const) {
        const result = await evaluate(model);
        const agreement = agreementWith({
          logits: result.logits,
          reference: reference.logits,
          numLabels: 2,
        });
        assert.ok(agreement.agreement >= 0.97, `${name}: agreement ${agreement.agreement}`);
        assert.ok(
          Math.abs(result.metrics.accuracy - reference.metrics.accuracy) <=
            0.01 * reference.metrics.accuracy,
          `${name}: accuracy ${result.metrics.accuracy} vs FP32 ${reference.metrics.accuracy}`,
        );
        assert.ok(
          agreement.maxAbsLogitError < 0.1,
          `${name}: max |Δlogit| ${agreement.maxAbsLogitError}`,
        );
      }
    });
  },
);
