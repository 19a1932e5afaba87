/**
 * Test support for the QAT exercises: a small DistilBERT exported as QAT exports it (QDQ,
 * per-channel symmetric int8 weights, 7-bit `reduce_range`), and one weight's FP32 values and
 * exported (dequantized) values, both in the ONNX `[in, out]` layout.
 *
 * @module
 */
import { variantWeight } from "../atlas/mod.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { GraphIndex, tensorToFloat32 } from "../onnx/mod.ts";
import { resolveQatScheme, staticOptionsOf } from "../qat/mod.ts";
import { calibrate, quantizeStatic } from "../quant/mod.ts";
import { syntheticBatch } from "../runtime/mod.ts";

const config = {
  ...DISTILBERT_BASE,
  vocabSize: 2000,
  nLayers: 1,
  dim: 32,
  nHeads: 4,
  hiddenDim: 512,
};

/**
 * The FP32 and exported values of layer 0's `ffn.lin2` weight (`[512, 32]`: 512 weights per output
 * channel, enough to use more levels than 7 bits have).
 */
export async function exportedLin2(): Promise<
  { weight: Float32Array; exported: Float32Array; dims: [number, number] }
> {
  const fp32 = buildDistilBert(config, { seed: 5 });
  const batches = [0, 1].map((seed) =>
    syntheticBatch({ size: 4, seqLen: 16, vocabSize: config.vocabSize, seed })
  );
  const calibration = await calibrate(fp32, batches, { progress: false });
  const scheme = resolveQatScheme({ reduceRange: true });
  const { model } = quantizeStatic(fp32, calibration, staticOptionsOf(scheme, []));
  const tensor = new GraphIndex(fp32.graph).constant(
    "distilbert.transformer.layer.0.ffn.lin2.weight",
  )!;
  const exported = variantWeight(model, tensor)!;
  return {
    weight: tensorToFloat32(tensor),
    exported: exported.values,
    dims: [tensor.dims[0], tensor.dims[1]],
  };
}
