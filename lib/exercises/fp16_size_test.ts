import assert from "node:assert/strict";
import { convertToMixedPrecision } from "../mixed/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { checkHalvedWeights } from "./fp16_size.ts";

// Few embedding rows, so the Linears hold most of the bytes (as in DistilBERT-base: 64%).
const config = {
  ...DISTILBERT_BASE,
  vocabSize: 200,
  nLayers: 2,
  dim: 64,
  nHeads: 4,
  hiddenDim: 256,
};

Deno.test('05: missingKernels "fp32" does not halve the weights, "emulate" does', () => {
  const fp32 = buildDistilBert(config, { seed: 5 });
  const convert = (missingKernels: "fp32" | "emulate") =>
    convertToMixedPrecision(fp32, { target: "fp16", missingKernels, onWarning: () => {} })
      .report.data.initializers;
  const native = convert("fp32");
  const broken = checkHalvedWeights({ initializers: native });
  assert.equal(broken.passed, false, broken.toString());
  // Only the embedding tables (Gather has an FP16 kernel) are halved.
  assert.ok(native.bytesAfter > 0.7 * native.bytesBefore, `${native.bytesAfter} bytes`);
  const fixed = checkHalvedWeights({ initializers: convert("emulate") });
  assert.equal(fixed.passed, true, fixed.toString());
});
