import assert from "node:assert/strict";
import {
  computeQuantParams,
  computeQuantParamsPerChannel,
  dequantizeLinear,
  quantizeLinear,
} from "../quant/mod.ts";
import { exportedLin2 } from "./_qat_export_fixture.ts";
import { checkFakeQuantGranularity } from "./fake_quant_granularity.ts";

Deno.test("06: per-tensor fake quantization is not fixed, the export's per-channel grid is", async () => {
  const { weight, exported, dims } = await exportedLin2();
  const simulate = (perChannel: boolean) => {
    const absMax = weight.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const params = perChannel
      ? computeQuantParamsPerChannel({
        data: weight,
        dims,
        axis: 1,
        type: "int8",
        symmetric: true,
        reduceRange: true,
      })
      : computeQuantParams({
        min: -absMax,
        max: absMax,
        type: "int8",
        symmetric: true,
        reduceRange: true,
      });
    return dequantizeLinear({ x: quantizeLinear({ x: weight, dims, ...params }), dims, ...params });
  };
  const broken = checkFakeQuantGranularity({ simulated: simulate(false), exported, dims });
  assert.equal(broken.passed, false, broken.toString());
  // One scale for 32 channels moves most weights to another level.
  assert.match(broken.message, /^(\d+) of 16384 weights/);
  assert.ok(Number(/^(\d+)/.exec(broken.message)![1]) > 8192, broken.message);
  const fixed = checkFakeQuantGranularity({ simulated: simulate(true), exported, dims });
  assert.equal(fixed.passed, true, fixed.toString());
});
