import assert from "node:assert/strict";
import { u8s8Accumulation } from "../runtime/mod.ts";
import { matMulInteger } from "./integer_matmul.ts";
import { computeQuantParamsPerChannel } from "./params.ts";
import { quantizeLinear } from "./qdq_ops.ts";
import { ortMatMulInteger, ortQuantizeLinear } from "./ort_reference.ts";

Deno.test("ortQuantizeLinear equals quantizeLinear per channel, bit for bit", async () => {
  let s = 7;
  const x = Float32Array.from(
    { length: 6 * 40 },
    () => ((s = (s * 48271) % 2147483647) / 2147483647 - 0.5) * 0.3,
  );
  const params = computeQuantParamsPerChannel({
    data: x,
    dims: [6, 40],
    axis: 1,
    type: "int8",
    symmetric: true,
  });
  const kit = quantizeLinear({ x, dims: [6, 40], ...params });
  const ort = await ortQuantizeLinear({ x, dims: [6, 40], ...params });
  assert.deepEqual([...ort], [...kit]);
});

Deno.test("ortMatMulInteger: ORT saturates u8×s8 pairs exactly where this machine's kernel does", async () => {
  const a = new Uint8Array([255, 255, 255, 255]);
  const b = new Int8Array([127, 127, 127, 127]);
  const ort = await ortMatMulInteger({ a, aDims: [1, 4], b, bDims: [4, 1] });
  const expected = matMulInteger({
    a,
    aDims: [1, 4],
    b,
    bDims: [4, 1],
    accumulation: u8s8Accumulation(),
  });
  assert.deepEqual([...ort], [...expected.y]);
  assert.equal(ort[0], u8s8Accumulation() === "int16-pairs" ? 2 * 32767 : 4 * 255 * 127);
});
