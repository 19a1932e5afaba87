import assert from "node:assert/strict";
import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
import { blockSizeErrorTable } from "../quant/mod.ts";
import { BlockSizeCheckError, checkBlockSize } from "./block_size.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 200,
  nLayers: 1,
  dim: 256,
  nHeads: 4,
  hiddenDim: 512,
  maxPositionEmbeddings: 16,
};
const model = buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 3 }));
const table = blockSizeErrorTable(model, { blockSizes: [32, 128, 1024] });
const errors = table.rows.map((r) => ({
  block: Number(r.block),
  error: Number(r["relative RMS error"]),
}));

Deno.test("08: a block of 1024 is not fixed, 32 and 128 are", () => {
  const broken = checkBlockSize({ blockSize: 1024, errors });
  assert.equal(broken.passed, false);
  // One scale per column of 256 or 512 weights: 4.031 bits against 4.25, more error.
  assert.match(broken.message, /block 1024: 4\.031 bits per weight/);
  assert.match(broken.message, /block 128: 4\.250 bits/);
  assert.match(broken.message, /% more error to save 0\.219 bits per weight/);
  for (const blockSize of [32, 128]) {
    const check = checkBlockSize({ blockSize, errors });
    assert.equal(check.passed, true, check.message);
  }
  assert.ok(errors[0].error < errors[1].error && errors[1].error < errors[2].error);
});

Deno.test("08: a block size that was not measured is named in the error", () => {
  assert.throws(
    () => checkBlockSize({ blockSize: 64, errors }),
    (e: unknown) => e instanceof BlockSizeCheckError && /block 64/.test(e.message),
  );
});
