import assert from "node:assert/strict";
import { foldAbsolute, StreamingHistogram } from "./histogram.ts";
import { QuantParamsError } from "./params.ts";
import { entropyThreshold, rangeFromHistogram } from "./range_methods.ts";
import { gaussian } from "./_test_support.ts";

Deno.test("StreamingHistogram: growing by merging equals binning everything at the final range", () => {
  const numBins = 256;
  const h = new StreamingHistogram({ numBins });
  const chunks = [
    gaussian(1000, 3).map((v) => v * 0.01),
    gaussian(777, 4),
    gaussian(5, 5).map((v) => v * 40),
  ];
  for (const chunk of chunks) h.add(chunk);
  const s = h.snapshot();
  const all = chunks.flatMap((c) => [...c]);
  const direct = new Float64Array(numBins);
  for (const v of all) {
    direct[Math.min(numBins - 1, Math.floor((v + s.limit) / ((2 * s.limit) / numBins)))]++;
  }
  let mismatched = 0;
  for (let i = 0; i < numBins; i++) mismatched += Math.abs(direct[i] - s.counts[i]);
  assert.ok(mismatched <= 2, `${mismatched} values in another bin (float rounding at edges only)`);
  assert.equal(s.count, all.length);
  assert.equal(s.counts.reduce((a, b) => a + b, 0), all.length);
  assert.equal(s.min, Math.min(...all));
  assert.equal(s.max, Math.max(...all));
  assert.ok(s.limit >= s.max && s.limit < 2.1 * Math.max(-s.min, s.max));
});

Deno.test("StreamingHistogram: percentiles match the sorted data within two bins", () => {
  const data = gaussian(100_000, 9);
  const h = new StreamingHistogram();
  for (let i = 0; i < data.length; i += 1234) h.add(data.subarray(i, i + 1234));
  const s = h.snapshot();
  const sorted = [...data].sort((a, b) => a - b);
  const bin = (2 * s.limit) / s.counts.length;
  const r = rangeFromHistogram(s, { method: "percentile", percentile: 99 });
  const exactLo = sorted[Math.floor(0.01 * sorted.length)];
  const exactHi = sorted[Math.floor(0.99 * sorted.length)];
  assert.ok(Math.abs(r.min - exactLo) < 2 * bin, `${r.min} vs ${exactLo}`);
  assert.ok(Math.abs(r.max - exactHi) < 2 * bin, `${r.max} vs ${exactHi}`);
  const sym = rangeFromHistogram(s, { method: "percentile", percentile: 99, symmetric: true });
  const absSorted = sorted.map(Math.abs).sort((a, b) => a - b);
  assert.ok(Math.abs(sym.max - absSorted[Math.floor(0.99 * absSorted.length)]) < 2 * bin);
  assert.equal(sym.min, -sym.max);
});

Deno.test("range methods on a Gaussian with outliers: percentile and entropy clip, minmax does not", () => {
  const data = gaussian(200_000, 11);
  for (let i = 0; i < 20; i++) data[i * 9973] = i % 2 ? 60 : -60;
  const h = new StreamingHistogram();
  h.add(data);
  const s = h.snapshot();
  assert.deepEqual(rangeFromHistogram(s, { method: "minmax" }), { min: -60, max: 60 });
  const p = rangeFromHistogram(s, { method: "percentile", percentile: 99.99 });
  assert.ok(p.max > 3.3 && p.max < 4.5 && p.min < -3.3 && p.min > -4.5, JSON.stringify(p));
  const e = rangeFromHistogram(s, { method: "entropy" });
  assert.ok(e.max > 2.5 && e.max < 10 && e.min === -e.max, JSON.stringify(e));
  // The entropy threshold keeps more than the percentile's tails of a clean Gaussian would lose.
  assert.ok(entropyThreshold(s, 128) >= 2.5);
});

Deno.test("StreamingHistogram: zeros before data, empty input, NaN and Infinity", () => {
  const h = new StreamingHistogram({ numBins: 8 });
  h.add(new Float32Array(5));
  h.add(new Float32Array([]));
  h.add(new Float32Array([1]));
  const s = h.snapshot();
  assert.equal(s.count, 6);
  assert.equal(s.counts[4], 5, "zeros sit in the bin starting at 0");
  assert.deepEqual(foldAbsolute(s).reduce((a, b) => a + b, 0), 6);
  assert.throws(() => h.add(new Float32Array([NaN])), QuantParamsError);
  assert.throws(() => h.add(new Float32Array([Infinity])), QuantParamsError);
  assert.throws(() => new StreamingHistogram({ numBins: 10 }), QuantParamsError);
  assert.deepEqual(rangeFromHistogram(new StreamingHistogram().snapshot()), { min: 0, max: 0 });
  assert.throws(
    () => rangeFromHistogram(s, { method: "percentile", percentile: 20 }),
    QuantParamsError,
  );
});
