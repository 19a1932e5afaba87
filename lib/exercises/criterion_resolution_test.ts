import assert from "node:assert/strict";
import { checkCriterionResolution } from "./criterion_resolution.ts";

/** `n` labels and predictions with `wrong` mistakes spread over the rows. */
function scored(n: number, wrong: number) {
  const labels = Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 0 : 1);
  const step = n / wrong;
  const predictions = labels.map((l, i) => (Math.floor(i % step) === 0 ? 1 - l : l));
  return { labels, predictions };
}

Deno.test("07: 0.1 point on 64 pairs is not fixed, 0.02 is", () => {
  const pairs = scored(64, 16); // accuracy 0.75
  const tight = checkCriterionResolution({ criterion: { absolute: 0.001 }, ...pairs });
  assert.equal(tight.passed, false);
  assert.match(tight.message, /0\.7500 to fall by 0\.0010, 0\.06 of 64 pairs/);
  const loose = checkCriterionResolution({ criterion: { absolute: 0.02 }, ...pairs });
  assert.equal(loose.passed, true, loose.message);
  assert.match(loose.message, /1\.28 of 64 pairs/);
});

Deno.test("07: a 1% relative criterion resolves no pair of 64, three of 408", () => {
  assert.equal(
    checkCriterionResolution({ criterion: { relative: 0.01 }, ...scored(64, 16) }).passed,
    false,
  );
  const full = checkCriterionResolution({ criterion: { relative: 0.01 }, ...scored(408, 68) });
  assert.equal(full.passed, true, full.message);
  assert.match(full.message, /3\.40 of 408 pairs/);
});

Deno.test("07: the bootstrap interval of FP32's accuracy is in the message and narrows with n", () => {
  const width = (n: number, wrong: number) => {
    const m = /±(\d\.\d+)/.exec(
      checkCriterionResolution({ criterion: { absolute: 0.02 }, ...scored(n, wrong) }).message,
    );
    return Number(m![1]);
  };
  const small = width(64, 16);
  const large = width(408, 102);
  assert.ok(small > 0.08 && small < 0.14, `±${small} on 64 pairs at 0.75`);
  assert.ok(large < small / 2, `±${large} on 408 pairs`);
});
