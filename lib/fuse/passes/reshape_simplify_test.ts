import assert from "node:assert/strict";
import { constantDims } from "./reshape_simplify.ts";

Deno.test("constantDims: 0 where the dim is the input's, one -1 for the rest", () => {
  assert.deepEqual(constantDims(["b", -1, 4, 64], ["b", "s", 256], false), [0, -1, 4, 64]);
  assert.deepEqual(constantDims(["b", 1, 1, "s"], ["b", "s"], false), [0, 1, 1, -1]);
  assert.equal(constantDims(["s", "b", 8], ["b", "s", 8], false), undefined);
  assert.deepEqual(constantDims(["b", 8], ["b", 8], true), [-1, 8]); // allowzero: 0 is a size
});
