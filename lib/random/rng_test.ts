import assert from "node:assert/strict";
import { boxMuller, createRng, mulberry32, xorshift32 } from "./mod.ts";

Deno.test("the streams are pinned: these values define models, batches and fixtures", () => {
  const rng = createRng(0);
  assert.equal(rng.next(), 0.9791452463250607);
  assert.equal(rng.next(), 0.8250711336731911);
  // The high 32 bits fold into the low ones: 2^32 seeds like 1.
  assert.equal(createRng(2 ** 32).next(), createRng(1).next());
  assert.equal(createRng(1).next(), 0.4256499295588583);
  assert.equal(xorshift32(7)(), 0.00044065131805837154);
  assert.equal(mulberry32(7)(), 0.011704753153026104);
});

Deno.test("normal draws have mean 0 and variance 1; fillNormal scales the same pairs", () => {
  const rng = createRng(11);
  const xs = Array.from({ length: 100_000 }, () => rng.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  const filled = new Float64Array(7);
  createRng(11).fillNormal(filled);
  assert.deepEqual(Array.from(filled), xs.slice(0, 7));
  const scaled = new Float64Array(7);
  createRng(11).fillNormal(scaled, 0.5);
  scaled.forEach((v, i) => assert.ok(Math.abs(v - 0.5 * filled[i]) < 1e-15));
  const random = xorshift32(3);
  const bm = Array.from({ length: 50_000 }, () => boxMuller(random));
  const bmMean = bm.reduce((s, x) => s + x, 0) / bm.length;
  assert.ok(Math.abs(bmMean) < 0.02, `Box–Muller mean ${bmMean}`);
});

Deno.test("int, sample and shuffle stay in range and draw each value about equally", () => {
  const rng = createRng(5);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(10)]++;
  for (const c of counts) assert.ok(Math.abs(c - 5000) < 300, `count ${c}`);
  const items = [1, 2, 3, 4, 5, 6, 7, 8];
  const shuffled = rng.shuffle(items);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual([...shuffled].sort((a, b) => a - b), items);
  assert.equal(new Set(rng.sample(items, 5)).size, 5);
  assert.equal(rng.sample(items, 20).length, 8);
  assert.ok(items.includes(rng.pick(items)));
});
