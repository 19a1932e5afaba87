/**
 * The outlier twin (lib/model/outlier_twin.ts) on the mini stand-in (the fixture model without the
 * shared mirror): FP32 logits unchanged, the outlier Linears' input ranges grown by the factor,
 * and plain static INT8 hurt by it.
 */
import assert from "node:assert/strict";
import { agreementWith } from "../lib/eval/mod.ts";
import { prepareMrpc } from "../lib/data/mod.ts";
import {
  buildDistilBertGraph,
  OUTLIER_TWIN_DEFAULTS,
  outlierTwin,
  OutlierTwinError,
} from "../lib/model/mod.ts";
import { findLinears, type Model } from "../lib/onnx/mod.ts";
import { calibrate, quantizeStatic } from "../lib/quant/mod.ts";
import { meetsCriterion } from "../lib/tune/mod.ts";
import { mrpcTsvDir, STANDINS } from "./support/mirror.ts";
import { MINI_DIR, standinMrpc } from "./support/mrpc.ts";
import { evaluateModel, miniStandin } from "./support/standin.ts";

const { config, weights } = await miniStandin();
const { validation, train } = await standinMrpc();
const FACTOR = 50;
const twin = outlierTwin(config, weights, { factor: FACTOR, channels: 4, seed: 3 });
const original = buildDistilBertGraph(config, weights);
const twinModel = buildDistilBertGraph(config, twin.weights);

async function logits(model: Model): Promise<Float32Array> {
  return (await evaluateModel(model, validation.batches, { intraOpThreads: 2 })).logits;
}

/** max |x| of each outlier Linear's input over the calibration batches. */
function inputRanges(model: Model, ranges: Record<string, { min: number; max: number }>) {
  const byName = new Map(findLinears(model.graph).map((l) => [l.name, l.input]));
  return twin.outlierInputs.map((name) => {
    const r = ranges[byName.get(name)!];
    return Math.max(Math.abs(r.min), Math.abs(r.max));
  });
}

Deno.test("outlier twin: the same FP32 logits, inputs of the outlier Linears ranged ~factor× wider", async () => {
  const [a, b] = [await logits(original), await logits(twinModel)];
  const same = agreementWith({ logits: b, reference: a, numLabels: config.numLabels });
  assert.equal(same.agreement, 1);
  assert.ok(same.maxAbsLogitError < 1e-4, `max |Δlogit| ${same.maxAbsLogitError}`);
  assert.deepEqual(twin.outlierInputs.length, config.nLayers + 1);

  const calib = train.batches.slice(0, 4);
  const [rangesA, rangesB] = [
    (await calibrate(original, calib, { progress: false })).ranges,
    (await calibrate(twinModel, calib, { progress: false })).ranges,
  ];
  const [before, after] = [inputRanges(original, rangesA), inputRanges(twinModel, rangesB)];
  for (let i = 0; i < before.length; i++) {
    const growth = after[i] / before[i];
    // The outlier channels are k× what they were; the widest channel before need not be one.
    assert.ok(
      growth > 0.2 * FACTOR && growth <= FACTOR * 1.0001,
      `${twin.outlierInputs[i]}: ×${growth}`,
    );
  }
});

Deno.test("outlier twin: plain static INT8 loses more logit accuracy on the twin than on the original", async () => {
  const calib = train.batches.slice(0, 4);
  const error = async (model: Model, fp32: Float32Array) => {
    const { model: q } = quantizeStatic(model, await calibrate(model, calib, { progress: false }));
    return agreementWith({ logits: await logits(q), reference: fp32, numLabels: config.numLabels });
  };
  const [fp32A, fp32B] = [await logits(original), await logits(twinModel)];
  const [plain, outliers] = [await error(original, fp32A), await error(twinModel, fp32B)];
  console.log(
    `static INT8 agreement ${plain.agreement.toFixed(4)} → ${outliers.agreement.toFixed(4)} ` +
      `on the twin; max |Δlogit| ${plain.maxAbsLogitError.toFixed(4)} → ` +
      `${outliers.maxAbsLogitError.toFixed(4)}`,
  );
  assert.ok(
    outliers.maxAbsLogitError > 3 * plain.maxAbsLogitError,
    `${outliers.maxAbsLogitError} vs ${plain.maxAbsLogitError}`,
  );
});

Deno.test("outlier twin with the defaults (× 10 000, both sites): the same FP32 logits, and plain static INT8 fails a 1% criterion", async () => {
  const defaults = outlierTwin(config, weights);
  assert.equal(defaults.factor, OUTLIER_TWIN_DEFAULTS.factor);
  assert.deepEqual(defaults.outlierInputs.length, config.nLayers + 1);
  const twinned = buildDistilBertGraph(config, defaults.weights);
  const [a, b] = [await logits(original), await logits(twinned)];
  const same = agreementWith({ logits: b, reference: a, numLabels: config.numLabels });
  assert.equal(same.agreement, 1);
  assert.ok(same.maxAbsLogitError < 1e-4, `max |Δlogit| ${same.maxAbsLogitError}`);
  // What the tune bench suite and notebook 07 score: the first 128 validation pairs in MRPC's
  // order, calibrated on the first 32 training pairs.
  const data = {
    modelId: STANDINS.mini,
    dir: mrpcTsvDir(),
    tokenizerDir: MINI_DIR,
    progress: false as const,
  };
  const evaluation = await prepareMrpc("validation", { ...data, batchSize: 16, limit: 128 });
  const calib = train.batches.slice(0, 4);
  const fp32 = await evaluateModel(twinned, evaluation.batches, { intraOpThreads: 2 });
  const { model: int8 } = quantizeStatic(
    twinned,
    await calibrate(twinned, calib, { progress: false }),
  );
  const quantized = await evaluateModel(int8, evaluation.batches, { intraOpThreads: 2 });
  console.log(
    `FP32 twin accuracy ${fp32.metrics.accuracy.toFixed(4)}, static INT8 ${
      quantized.metrics.accuracy.toFixed(4)
    }`,
  );
  assert.equal(
    meetsCriterion(quantized.metrics.accuracy, fp32.metrics.accuracy, { relative: 0.01 }),
    false,
  );
});

Deno.test("outlier twin: bad options and foreign weights are refused with the fix", () => {
  assert.throws(() => outlierTwin(config, weights, { factor: 0 }), OutlierTwinError);
  assert.throws(() => outlierTwin(config, weights, { channels: config.dim + 1 }), /channels/);
  assert.throws(
    () => outlierTwin(config, new Map(), {}),
    (e: Error) => e instanceof OutlierTwinError && /v_lin\.weight/.test(e.message),
  );
});
