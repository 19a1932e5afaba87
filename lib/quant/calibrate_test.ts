import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { createModel, DataType, GraphBuilder, type Model } from "../onnx/mod.ts";
import type { ProgressReporter } from "../progress/mod.ts";
import { gaussian } from "./_test_support.ts";
import { calibrate, recalibrate } from "./calibrate.ts";
import { CalibrationError, type CalibrationInput } from "./calibration_feeds.ts";
import { calibrationHistogramFigure } from "./figures.ts";

/** x [n, t, 4] → Relu → MatMul(w): calibration records x's Relu output. */
function reluMatMul(): { model: Model; relu: string } {
  const b = new GraphBuilder("relu_matmul");
  const x = b.input("x", DataType.FLOAT, ["n", "t", 4]);
  const relu = b.op("Relu", [x]);
  const w = b.initializer("w", DataType.FLOAT, [4, 2], [1, 0, 0, 1, 1, 1, 0, 0]);
  b.output(b.op("MatMul", [relu, w]), DataType.FLOAT, ["n", "t", 2], { rename: "y" });
  return { model: createModel(b.build()), relu };
}

function feeds(rows: number, t: number, seed: number): Record<string, ort.Tensor> {
  const data = gaussian(rows * t * 4, seed);
  return { x: new ort.Tensor("float32", data, [rows, t, 4]) };
}

Deno.test("calibrate: exact min/max over batches of different lengths, cut to size", async () => {
  const { model, relu } = reluMatMul();
  const batches = [feeds(3, 5, 1), feeds(2, 17, 2), feeds(4, 1, 3), feeds(3, 9, 4)];
  const ticks: number[] = [];
  const progress = (): ProgressReporter => ({
    tick: (n = 1) => void ticks.push(n),
    update: () => {},
    done: () => {},
    fail: () => {},
  });
  const result = await calibrate(model, batches, { size: 7, progress });
  // Rows 3 + 2 + 2 (the third batch cut to fit): the fourth batch is never read.
  assert.deepEqual([result.samples, result.batches, ticks], [7, 3, [3, 2, 2]]);
  const seen = [
    ...batches[0].x.data as Float32Array,
    ...batches[1].x.data as Float32Array,
    ...(
      batches[2].x.data as Float32Array
    ).subarray(0, 2 * 4),
  ];
  assert.deepEqual(result.ranges[relu], { min: 0, max: Math.max(...seen) });
  assert.equal(result.statistics[relu].count, seen.length);
  assert.equal(result.method, "minmax");
});

Deno.test("calibrate: percentile and entropy clip outliers that minmax keeps", async () => {
  const b = new GraphBuilder("identity_matmul");
  const x = b.input("x", DataType.FLOAT, ["n", 8]);
  const w = b.initializer("w", DataType.FLOAT, [8, 2], new Float32Array(16).fill(0.5));
  b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 2], { rename: "y" });
  const model = createModel(b.build());
  function* reader(): Generator<CalibrationInput> {
    for (let i = 0; i < 25; i++) {
      const data = gaussian(8000, 100 + i);
      if (i === 7) data[5] = 80;
      if (i === 19) data[3] = -70;
      yield { x: new ort.Tensor("float32", data, [1000, 8]) };
    }
  }
  const minmax = await calibrate(model, reader(), { progress: false });
  assert.deepEqual(minmax.ranges.x, { min: -70, max: 80 });
  const percentile = recalibrate(minmax, { method: "percentile", percentile: 99.99 });
  const entropy = await calibrate(model, reader(), { method: "entropy", progress: false });
  for (
    const [name, r] of [["percentile", percentile.ranges.x], ["entropy", entropy.ranges.x]] as const
  ) {
    assert.ok(
      r.max > 2.5 && r.max < 10 && r.min < -2.5 && r.min > -10,
      `${name} ${JSON.stringify(r)}`,
    );
  }
  assert.equal(entropy.method, "entropy");
  const figure = calibrationHistogramFigure(minmax);
  assert.equal(figure.data.length, 4);
  assert.match(String(figure.data[2].name), /^percentile \[/);
});

Deno.test("calibrate: errors name the missing input and the empty reader", async () => {
  const { model } = reluMatMul();
  await assert.rejects(
    () =>
      calibrate(model, [{ y: new ort.Tensor("float32", new Float32Array(4), [1, 1, 4]) }], {
        progress: false,
      }),
    (e: Error) => e instanceof CalibrationError && /no "x"/.test(e.message),
  );
  await assert.rejects(() => calibrate(model, [], { progress: false }), CalibrationError);
});

Deno.test("calibrate: memory stays flat from 10 to 200 batches of varying length", async () => {
  // Measured in a child process of its own: deno test runs files side by side in one process.
  const child = new URL("./_calibration_memory_child.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", child.pathname],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, "the calibration child process failed");
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(r.batches, 200);
  assert.equal(r.counted, r.expected, "every value of every batch was counted");
  const growth = (r.rssAt200 - r.rssAt10) / 1e6;
  console.log(
    `calibration RSS: ${(r.rssAt10 / 1e6).toFixed(0)} MB after 10 batches, ` +
      `${(r.rssAt200 / 1e6).toFixed(0)} MB after 200 (growth ${growth.toFixed(1)} MB)`,
  );
  assert.ok(growth < 150, `RSS grew ${growth.toFixed(1)} MB from batch 10 to 200`);
});
