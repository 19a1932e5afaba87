/**
 * A `DemoReport` with every section filled from computations of the kit on seeded synthetic
 * predictions and timings (no model runs), for tests of the report page.
 *
 * @module
 */
import { DemoReport } from "../../lib/report/mod.ts";
import { Rng } from "../../lib/random/mod.ts";
import { compareVariants, medianInterval, speedupInterval } from "../../lib/stats/mod.ts";
import { classificationMetrics } from "../../lib/eval/metrics.ts";

/** The report; `rows` synthetic MRPC-like pairs, FP32 and two variants, a tuner history. */
export function syntheticReport(rows = 120): DemoReport {
  const rng = new Rng(11);
  const labels = Array.from({ length: rows }, () => (rng.next() < 0.68 ? 1 : 0));
  const fp32 = new Float32Array(rows * 2);
  labels.forEach((l, i) => {
    const margin = (rng.next() < 0.8 ? 1 : -1) * (0.2 + 3 * rng.next());
    fp32[2 * i + l] = margin / 2;
    fp32[2 * i + 1 - l] = -margin / 2;
  });
  const noisy = (std: number) => fp32.map((v) => v + std * rng.normal());
  const variants = { "int8-dynamic": noisy(0.15), "int8-static": noisy(0.3) };
  const report = new DemoReport({ model: "synthetic", dataset: "synthetic:validation" });
  const times = (ms: number) => Array.from({ length: 30 }, () => ms * (1 + 0.2 * rng.next()));
  const t1 = times(10), t8 = times(60);
  const all = { fp32, ...variants };
  Object.entries(all).forEach(([name, logits], k) => {
    const predictions = Array.from(
      { length: rows },
      (_, i) => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0),
    );
    const m = classificationMetrics({ predictions, labels });
    const c1 = t1.map((t) => t / (1 + 0.8 * k));
    const c8 = t8.map((t) => t / (1 + 0.9 * k));
    report.add({
      name,
      accuracy: m.accuracy,
      f1: m.f1,
      confusion: m.confusion,
      latencyMs: { b1: medianInterval(c1).estimate, b8: medianInterval(c8).estimate },
      latency: {
        b1: medianInterval(c1),
        b8: medianInterval(c8),
        ...(k === 0 ? {} : {
          speedup: {
            b1: speedupInterval({ reference: t1, candidate: c1 }),
            b8: speedupInterval({ reference: t8, candidate: c8 }),
          },
        }),
      },
      sizeBytes: k === 0 ? 4e6 : 1.1e6,
    });
  });
  report.comparison = compareVariants({
    labels,
    numLabels: 2,
    reference: { name: "fp32", logits: fp32 },
    candidates: Object.entries(variants).map(([name, logits]) => ({ name, logits })),
    texts: labels.map((_, i) => ({ sentence1: `first sentence ${i}`, sentence2: `second ${i}` })),
    resamples: 300,
  });
  report.extra.tuner = {
    message: "Met ≤ 1% relative loss",
    threshold: report.results[0].accuracy * 0.99,
    baseline: { accuracy: report.results[0].accuracy },
    history: [0, 1].map((index) => ({
      index,
      phase: index === 0 ? "default" : "op-fallback",
      accuracy: report.results[2].accuracy + 0.01 * index,
      sizeBytes: 1.1e6,
      quantizedNodes: 12 - index,
      fallbackNodes: index === 0 ? [] : ["layer.0/ffn"],
      met: index === 1,
    })),
  };
  report.run = { command: "synthetic", profile: "test" };
  return report;
}
