/**
 * The stand-in DistilBERT (mini) quantized with the default options, evaluated on all 408 MRPC
 * validation pairs against FP32: the torch-exported ONNX file of the repo and the kit's own
 * export of its safetensors weights (what the demo uses for repos without ONNX).
 */
import assert from "node:assert/strict";
import { MINI_DIR, standinMrpc } from "../../tests/support/mrpc.ts";
import { agreementWith, evaluateClassifier, type EvaluationResult } from "../eval/mod.ts";
import { buildDistilBertGraph, parseDistilBertConfig, readSafetensors } from "../model/mod.ts";
import { encodeModel, type Model, readModel } from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import { calibrate } from "./calibrate.ts";
import { quantizeDynamic } from "./dynamic.ts";
import { quantizeStatic } from "./static.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

async function evaluate(model: Model, batches: Parameters<typeof evaluateClassifier>[1]) {
  const session = await createSession(encodeModel(model), { intraOpThreads: 2 });
  try {
    return await evaluateClassifier(session, batches, { progress: false });
  } finally {
    await session.session.release();
  }
}

function check(label: string, got: EvaluationResult, fp32: EvaluationResult): void {
  const agreement = agreementWith({ logits: got.logits, reference: fp32.logits, numLabels: 2 });
  const relative = (fp32.metrics.accuracy - got.metrics.accuracy) / fp32.metrics.accuracy;
  console.log(
    `${label}: accuracy ${got.metrics.accuracy.toFixed(4)} (FP32 ${
      fp32.metrics.accuracy.toFixed(4)
    }), F1 ${got.metrics.f1.toFixed(4)} (FP32 ${fp32.metrics.f1.toFixed(4)}), agreement ${
      agreement.agreement.toFixed(4)
    }, max |Δlogit| ${agreement.maxAbsLogitError.toFixed(4)}`,
  );
  assert.ok(relative <= 0.01, `${label}: accuracy drop ${(100 * relative).toFixed(2)}% relative`);
  assert.ok(agreement.agreement >= 0.95, `${label}: agreement ${agreement.agreement}`);
  assert.ok(
    agreement.maxAbsLogitError < 0.1,
    `${label}: max |Δlogit| ${agreement.maxAbsLogitError}`,
  );
}

const sources: Record<string, () => Promise<Model>> = {
  "torch export": () => readModel(`${MINI_DIR}/onnx/model.onnx`),
  "kit export": async () => {
    const config = parseDistilBertConfig(
      await Deno.readTextFile(`${MINI_DIR}/config.json`),
      "config",
    );
    return buildDistilBertGraph(config, await readSafetensors(`${MINI_DIR}/model.safetensors`));
  },
};

const { validation, train } = await standinMrpc();

for (const [source, load] of Object.entries(sources)) {
  extendedTest(
    `MRPC validation, stand-in (${source}): dynamic and static INT8 track FP32`,
    MIRROR,
    async () => {
      const model = await load();
      const fp32 = await evaluate(model, validation.batches);
      const dynamic = quantizeDynamic(model);
      assert.deepEqual(
        dynamic.report.counts.quantized,
        4 * 6 + 2 + 2,
        "every linear and both embeddings",
      );
      check(`${source} dynamic`, await evaluate(dynamic.model, validation.batches), fp32);
      const calibration = await calibrate(model, train.batches, { size: 100, progress: false });
      assert.equal(calibration.samples, 100);
      const qdq = quantizeStatic(model, calibration);
      assert.equal(qdq.report.counts.quantized, 4 * 6 + 2 + 2);
      check(`${source} static QDQ`, await evaluate(qdq.model, validation.batches), fp32);
      const qop = quantizeStatic(model, calibration, { format: "qoperator" });
      check(`${source} static QOperator`, await evaluate(qop.model, validation.batches), fp32);
    },
  );
}
