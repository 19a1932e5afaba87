import { encodeModel, type Model, withGraphOutputs } from "../onnx/mod.ts";
import { batchFeeds, createSession, type TokenBatch } from "../runtime/mod.ts";

/** A float tensor ONNX Runtime returned. */
export interface CapturedTensor {
  data: Float32Array;
  dims: number[];
}

/** Options of {@link captureIntermediates}. */
export interface CaptureIntermediatesOptions {
  /** The model (read with `readModel`). */
  model: Model;
  /** One token batch to run. */
  batch: TokenBatch;
  /** Names of the intermediate FLOAT values to return (node outputs). */
  outputs: readonly string[];
  /** ORT's graph optimizations (default "disabled", so every named value still exists). */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
}

/**
 * Runs `batch` through `model` in ONNX Runtime and returns the intermediate values named in
 * `outputs` — the real activations of a real forward pass (attention probabilities, FFN
 * activations, …).
 *
 * @example
 * ```ts ignore
 * const acts = await captureIntermediates({ model, batch, outputs: ["/distilbert/…/Softmax_output_0"] });
 * ```
 */
export async function captureIntermediates(
  options: CaptureIntermediatesOptions,
): Promise<Map<string, CapturedTensor>> {
  const exposed = withGraphOutputs(options.model, options.outputs);
  const { session, inputNames } = await createSession(encodeModel(exposed), {
    graphOptimizationLevel: options.graphOptimizationLevel ?? "disabled",
  });
  try {
    const results = await session.run(batchFeeds({ batch: options.batch, inputNames }), [
      ...options.outputs,
    ]);
    return new Map(options.outputs.map((name) => {
      const tensor = results[name];
      return [name, { data: tensor.data as Float32Array, dims: [...tensor.dims] }];
    }));
  } finally {
    await session.release();
  }
}
