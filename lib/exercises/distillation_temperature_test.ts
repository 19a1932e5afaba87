/**
 * The temperature checker on real teachers' logits: the fixture hub's tiny model (its 40
 * reference validation pairs, ONNX Runtime logits), the same logits three times as confident
 * (median margin ≈ 8.5, a fine-tuned DistilBERT-base's kind of certainty, which the hub mirror
 * cannot hold) and, with the full mirror, the workshop's stand-in (its 32 PyTorch reference
 * pairs) — an unsure teacher whose T = 1 soft labels are already soft, on which the first version
 * of this checker called T = 1 fixed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_HUB_DIR } from "../../tests/support/hub_server.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";
import { MIRROR_STANDINS, type ReferencePair, referencePairs } from "../../tests/support/mirror.ts";
import { checkDistillationTemperature, marginPull } from "./mod.ts";

const numLabels = 2;

async function fixtureLogits(): Promise<number[]> {
  const file = join(
    FIXTURE_HUB_DIR,
    "fixture/distilbert-tiny-mrpc/resolve/main/reference_logits.json",
  );
  const pairs: ReferencePair[] = JSON.parse(await Deno.readTextFile(file)).pairs;
  assert.equal(pairs.length, 40);
  return pairs.flatMap((p) => p.logits);
}

const passedAt = (teacherLogits: number[], temperature: number) =>
  checkDistillationTemperature({ teacherLogits, numLabels, temperature }).passed;

Deno.test("03.1: the fixture's teacher — T = 1 is not fixed, T = 2, 4 and 8 are", async () => {
  const logits = await fixtureLogits();
  const pull = (temperature: number) =>
    marginPull({ teacherLogits: logits, numLabels, temperature });
  assert.ok(Math.abs(pull(1) - 0.329) < 0.005, `${pull(1)}`);
  assert.ok(Math.abs(pull(4) - 0.901) < 0.005, `${pull(4)}`);
  assert.deepEqual([1, 2, 4, 8].map((t) => passedAt(logits, t)), [false, true, true, true]);
  const check = checkDistillationTemperature({ teacherLogits: logits, numLabels, temperature: 1 });
  assert.match(check.message, /closing 0\.0% of the gap/);
});

Deno.test("03.1: a confident teacher — T = 1 and 2 are not fixed, T = 4 and 8 are", async () => {
  const confident = (await fixtureLogits()).map((z) => 3 * z);
  const margins = Array.from(
    { length: confident.length / 2 },
    (_, r) => Math.abs(confident[2 * r] - confident[2 * r + 1]),
  ).sort((a, b) => a - b);
  assert.ok(margins[20] > 8, `median margin ${margins[20]}`);
  // At T = 1 its soft labels are nearly one-hot: the loss hardly sees its margins.
  assert.ok(marginPull({ teacherLogits: confident, numLabels, temperature: 1 }) < 0.07);
  assert.deepEqual([1, 2, 4, 8].map((t) => passedAt(confident, t)), [false, false, true, true]);
  // A temperature below 1 sharpens: never fixed.
  assert.equal(passedAt(confident, 0.5), false);
});

extendedTest(
  "03.1: the stand-in teacher (unsure) — T = 1 is not fixed, T = 4 is",
  MIRROR,
  async () => {
    const logits = (await referencePairs(MIRROR_STANDINS.mini)).flatMap((p) => p.logits);
    assert.equal(logits.length, 64);
    // Its soft labels at T = 1 are already soft: more than half the logit-matching pull…
    assert.ok(marginPull({ teacherLogits: logits, numLabels, temperature: 1 }) > 0.5);
    // …yet T = 1 is still the broken setting, and T = 4 the fix.
    assert.deepEqual([1, 2, 4].map((t) => passedAt(logits, t)), [false, true, true]);
  },
);
