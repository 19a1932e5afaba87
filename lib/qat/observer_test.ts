import assert from "node:assert/strict";
import { computeQuantParams, type MinMax } from "../quant/mod.ts";
import { randomDistilBertWeights } from "../model/mod.ts";
import { type ModelInputs, tf, TfDistilBert } from "../train/mod.ts";
import { MinMaxObserver, ObserverError } from "./observer.ts";
import { QatQuantizer } from "./quantizer.ts";
import { TINY_CONFIG } from "../train/_test_support.ts";

Deno.test("moving-average observer matches a hand computation", () => {
  const o = new MinMaxObserver({ momentum: 0.8 });
  assert.equal(o.range, undefined);
  o.observe({ min: -2, max: 4 }); // first batch: taken as is
  o.observe({ min: -1, max: 9 }); // 0.8·(−2) + 0.2·(−1) = −1.8; 0.8·4 + 0.2·9 = 5
  o.observe({ min: -6, max: 0 }); // 0.8·(−1.8) + 0.2·(−6) = −2.64; 0.8·5 + 0.2·0 = 4
  const { min, max } = o.range!;
  assert.ok(Math.abs(min - -2.64) < 1e-12, `min ${min}`);
  assert.ok(Math.abs(max - 4) < 1e-12, `max ${max}`);
  assert.equal(o.updates, 3);
  // uint8: scale (4 + 2.64) / 255, zero point round(2.64 / scale) = round(101.39) = 101.
  const p = computeQuantParams({ min, max, type: "uint8" });
  assert.ok(Math.abs(p.scale[0] - 6.64 / 255) < 1e-8, `scale ${p.scale[0]}`);
  assert.equal(p.zeroPoint[0], 101);
  o.reset({ min: -1, max: 1 }); // a calibration range: later batches average into it
  o.observe({ min: -3, max: 1 });
  assert.ok(Math.abs(o.range!.min - -1.4) < 1e-12);
  assert.throws(() => o.observe({ min: NaN, max: 1 }), ObserverError);
  assert.throws(() => new MinMaxObserver({ momentum: 1 }), ObserverError);
});

const config = TINY_CONFIG;
const batch: ModelInputs = {
  size: 2,
  seqLen: 5,
  inputIds: [2, 7, 9, 11, 3, 2, 5, 6, 3, 0],
  attentionMask: [1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
};

Deno.test("observers update once per training pass, never in evaluation", async () => {
  const model = await TfDistilBert.fromWeights(
    config,
    randomDistilBertWeights(config, { seed: 5, std: 0.3 }),
  );
  const seen: MinMax[] = []; // what the classifier's input was, pass by pass
  model.hooks = {
    linear: (call, next) => {
      if (call.name === "classifier") {
        const [min, max] = tf.tidy(() => tf.stack([tf.min(call.x), tf.max(call.x)])).dataSync();
        seen.push({ min, max });
      }
      return next(call);
    },
  };
  const fp32 = model.predict(batch);
  const qat = new QatQuantizer({ momentum: 0.75, quantizeAttention: true });
  qat.attach(model);
  assert.deepEqual(model.predict(batch), fp32, "no range yet: sites stay float");
  assert.equal(qat.ranges().size, 0);
  const pass = (seed: number) =>
    tf.tidy(() => model.forward(batch, { training: true, dropoutSeed: seed }).logits).dispose();
  pass(1);
  pass(2);
  const [, , b1, b2] = seen; // two evaluation passes came first
  const expected = { min: 0.75 * b1.min + 0.25 * b2.min, max: 0.75 * b1.max + 0.25 * b2.max };
  assert.notDeepEqual(b1, b2, "dropout made the two batches differ");
  assert.deepEqual(qat.observer("classifier")!.range, expected);
  model.predict(batch);
  qat.observing = false;
  pass(3);
  const p = "distilbert.transformer.layer.0.attention";
  for (const site of ["classifier", `${p}.q_lin`, `${p}.scores.a`, `${p}.context.b`]) {
    assert.equal(qat.observer(site)!.updates, 2, site);
  }
  assert.deepEqual(qat.observer("classifier")!.range, expected);
  // q, k and v read the same tensor: the same range, bit for bit.
  assert.deepEqual(qat.observer(`${p}.k_lin`)!.range, qat.observer(`${p}.q_lin`)!.range);
  assert.deepEqual(qat.observer(`${p}.v_lin`)!.range, qat.observer(`${p}.q_lin`)!.range);
  // 8 Linear inputs + 4 attention inputs; the attention's second inputs are int8 symmetric.
  assert.equal(qat.ranges().size, 12);
  assert.equal(qat.activationParams(`${p}.context.b`)!.type, "int8");
  assert.equal(qat.activationParams(`${p}.context.b`)!.zeroPoint[0], 0);
  assert.equal(qat.activationParams(`${p}.context.a`)!.type, "uint8");
  const quantized = model.predict(batch);
  assert.notDeepEqual(quantized, fp32);
  qat.enabled = false;
  assert.deepEqual(model.predict(batch), fp32, "disabled: float again");
  model.dispose();
});
