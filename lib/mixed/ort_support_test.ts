import assert from "node:assert/strict";
import { probeOrtOp, probeSpecs } from "./ort_probe.ts";
import { ORT_CPU_SUPPORT, ORT_SUPPORT_VERSION, ortCpuSupport } from "./ort_support.ts";
import { DEFAULT_AMP_CATEGORIES } from "./categories.ts";

Deno.test("the support table was measured on the installed onnxruntime-node version", async () => {
  const ort = await import("onnxruntime-node");
  assert.equal(ort.env.versions.node, ORT_SUPPORT_VERSION);
});

Deno.test("the support table covers every op of the AMP categories and has a probe for each", () => {
  const specs = probeSpecs(17);
  const listed = [
    ...DEFAULT_AMP_CATEGORIES.lowerPrecision,
    ...DEFAULT_AMP_CATEGORIES.fallthrough,
    ...DEFAULT_AMP_CATEGORIES.fp32,
  ];
  const unprobed = listed.filter((op) => !specs[op]);
  // Reductions the deck names that DistilBERT does not use are not probed (treated as "none").
  assert.deepEqual(unprobed.sort(), ["ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"]);
  for (const op of Object.keys(specs)) {
    assert.ok(op in ORT_CPU_SUPPORT.fp16, `fp16 entry for ${op}`);
  }
});

Deno.test("spot checks: the installed ORT agrees with hand-picked table entries", async () => {
  const checks: [string, "fp16" | "bf16", string][] = [
    ["MatMul", "fp16", "ort-casts"], // no fp16 GEMM on x86: ORT casts to float32 itself
    ["Transpose", "fp16", "native"],
    ["LayerNormalization", "fp16", "native"],
    ["Range", "fp16", "none"],
    ["MatMul", "bf16", "none"], // and no automatic Casts for bf16
    ["Add", "bf16", "none"],
    ["Gather", "bf16", "native"],
    ["LayerNormalization", "bf16", "native"],
  ];
  for (const [op, target, expected] of checks) {
    const probed = await probeOrtOp(op, target, { opset: 17 });
    assert.equal(probed.support, expected, `${op} ${target}: ${probed.error ?? ""}`);
    assert.equal(ortCpuSupport(op, target), expected);
    if (probed.support !== "none") {
      // The kernel is right, not only present: within the format's rounding of an O(1) result.
      assert.ok(probed.maxAbsError! < (target === "fp16" ? 2e-3 : 1.6e-2), `${op} ${target}`);
    }
  }
});

Deno.test("every table entry re-probed at opsets 14 and 17 matches", async () => {
  const mismatches: string[] = [];
  for (const opset of [14, 17]) {
    for (const target of ["fp16", "bf16"] as const) {
      for (const op of Object.keys(probeSpecs(opset))) {
        const { support } = await probeOrtOp(op, target, { opset });
        if (support !== ortCpuSupport(op, target)) {
          mismatches.push(
            `${op} ${target} opset ${opset}: probed ${support}, table ${ortCpuSupport(op, target)}`,
          );
        }
      }
    }
  }
  assert.deepEqual(mismatches, []);
});
