import assert from "node:assert/strict";
import { computeQuantParamsPerChannel, dequantizeLinear, quantizeLinear } from "../quant/mod.ts";
import { exportedLin2 } from "./_qat_export_fixture.ts";
import { checkFakeQuantReduceRange } from "./fake_quant_reduce_range.ts";
import { compareWeightGrids } from "./weight_grid.ts";

Deno.test("06: 8-bit fake quantization for a 7-bit export is not fixed, 7-bit is", async () => {
  const { weight, exported, dims } = await exportedLin2();
  const simulate = (reduceRange: boolean) => {
    const params = computeQuantParamsPerChannel({
      data: weight,
      dims,
      axis: 1,
      type: "int8",
      symmetric: true,
      reduceRange,
    });
    return dequantizeLinear({ x: quantizeLinear({ x: weight, dims, ...params }), dims, ...params });
  };
  const broken = checkFakeQuantReduceRange({ simulated: simulate(false), exported, dims });
  assert.equal(broken.passed, false, broken.toString());
  // 512 weights per channel: more distinct levels than the 7-bit grid's 129.
  const levels = compareWeightGrids({ simulated: simulate(false), exported, dims }).levels;
  assert.ok(levels.simulated > levels.exported && levels.exported <= 129, JSON.stringify(levels));
  assert.ok(broken.message.startsWith(`training used up to ${levels.simulated} levels`));
  const fixed = checkFakeQuantReduceRange({ simulated: simulate(true), exported, dims });
  assert.equal(fixed.passed, true, fixed.toString());
  assert.ok(fixed.message.includes("0 of 16384 weights"), fixed.message);
});
