/**
 * 4-bit and 8-bit weight-only quantization of the mini stand-in on MRPC validation: agreement with
 * FP32 per method, and GPTQ against round-to-nearest at the same block size (Hessians from 64
 * training pairs).
 */
import assert from "node:assert/strict";
import { agreementWith, type EvaluationResult } from "../lib/eval/mod.ts";
import { findLinears, type Model, readModel } from "../lib/onnx/mod.ts";
import {
  collectLinearInputs,
  dequantizeBlockwise,
  gptqQuantize,
  quantizeBlockwise,
  quantizeWeightOnly,
  type WeightOnlyOptions,
} from "../lib/quant/mod.ts";
import { join } from "node:path";
import { MINI_DIR, standinMrpc } from "./support/mrpc.ts";
import { extendedTest, MIRROR } from "./support/extended.ts";
import { evaluateModel } from "./support/standin.ts";

const fp32Model = await readModel(join(MINI_DIR, "onnx", "model.onnx"));
const { validation, train } = await standinMrpc();
const calib = train.batches.slice(0, 8);

function evaluate(model: Model): Promise<EvaluationResult> {
  return evaluateModel(model, validation.batches, { intraOpThreads: 2 });
}

const fp32 = await evaluate(fp32Model);
const stats = await collectLinearInputs(fp32Model, calib, { hessian: true });
const hessians = new Map([...stats].map(([k, v]) => [k, v.hessian!]));

async function compare(options: WeightOnlyOptions) {
  const r = await evaluate(quantizeWeightOnly(fp32Model, options).model);
  const a = agreementWith({ logits: r.logits, reference: fp32.logits, numLabels: 2 });
  let sum = 0;
  r.logits.forEach((v, i) => sum += Math.abs(v - fp32.logits[i]));
  return { ...a, meanAbsLogitError: sum / r.logits.length };
}

const show = (r: Awaited<ReturnType<typeof compare>>) =>
  `agreement ${r.agreement.toFixed(4)} (mean |Δlogit| ${r.meanAbsLogitError.toFixed(4)}, ` +
  `max ${r.maxAbsLogitError.toFixed(4)})`;

extendedTest(
  "weight-only on the stand-in: 8-bit ≥ 99% and 4-bit RTN ≥ 95% agreement; GPTQ ≥ RTN",
  MIRROR,
  async () => {
    const int8 = await compare({ bits: 8, blockSize: 32 });
    const lines = [`8-bit block 32 RTN: ${show(int8)}`];
    console.log(lines[0]);
    assert.ok(int8.agreement >= 0.99, lines[0]);
    for (const blockSize of [32, 128]) {
      const rtn = await compare({ bits: 4, blockSize });
      const gptq = await compare({ bits: 4, blockSize, method: "gptq", hessians });
      lines.push(`4-bit block ${blockSize}: RTN ${show(rtn)}; GPTQ ${show(gptq)}`);
      console.log(lines.at(-1));
      assert.ok(gptq.agreement >= rtn.agreement, lines.at(-1)!);
      if (blockSize === 32) {
        assert.ok(rtn.agreement >= 0.95, lines.at(-1)!);
        // At block 32 GPTQ's logits are closer to FP32's too (mean |Δlogit| 0.0023 vs 0.0057);
        // at block 128 both agree on every pair and the mean logit errors are within noise
        // (0.0033 vs 0.0031): GPTQ here compensates each layer on FP32 inputs, not sequentially.
        assert.ok(gptq.meanAbsLogitError < rtn.meanAbsLogitError, lines.at(-1)!);
      }
    }
  },
);

Deno.test("GPTQ lowers every layer's output error against RTN on the calibration inputs", () => {
  const lines: string[] = [];
  for (const linear of findLinears(fp32Model.graph).slice(0, 6)) {
    const h = hessians.get(linear.input)!;
    const [k, n] = linear.weight.dims;
    const w = linear.weight.data as Float32Array;
    const opts = { bits: 4, blockSize: 32 } as const;
    // Output error on the calibration rows: Σ (Δw)ᵀ H (Δw) over output features.
    const error = (wq: Float32Array) => {
      let e = 0;
      for (let c = 0; c < n; c++) {
        for (let i = 0; i < k; i++) {
          const di = w[i * n + c] - wq[i * n + c];
          if (di === 0) continue;
          for (let j = 0; j < k; j++) e += di * h[i * k + j] * (w[j * n + c] - wq[j * n + c]);
        }
      }
      return e;
    };
    const rtn = error(dequantizeBlockwise(quantizeBlockwise(w, { k, n }, opts)));
    const gptq = error(dequantizeBlockwise(gptqQuantize(w, h, { k, n }, opts)));
    lines.push(
      `${linear.name ?? linear.node.name}: GPTQ/RTN output error ${(gptq / rtn).toFixed(3)}`,
    );
    assert.ok(gptq < rtn, lines.at(-1)!);
  }
  console.log(lines.join("\n"));
});
