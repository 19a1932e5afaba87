/**
 * Hessian traces of a DistilBERT's Linear weights by Hutchinson's method on the TensorFlow.js
 * engine (`lib/train`): tr(H_l) = E[v_lᵀ H_l v_l] for Rademacher v. The engine gives gradients
 * (`tf.variableGrads`) but no cheap Hessian-vector products (tfjs's second-order gradients do not
 * cover every op of the model), so H·v is a central finite difference of gradients,
 * (∇L(w + εv) − ∇L(w − εv)) / 2ε, with all Linear weights perturbed at once: two gradient passes
 * per sample and batch give every layer's estimate (the cross-layer terms average out).
 *
 * @module
 */

import { type DistilBertConfig, type WeightMap } from "../model/mod.ts";
import { createRng } from "../random/mod.ts";
import { crossEntropy, initTf, type ModelInputs, tf, TfDistilBert } from "../train/mod.ts";

/** Options of {@link hessianTraces}. */
export interface HessianTraceOptions {
  config: DistilBertConfig;
  weights: WeightMap;
  /** State-dict names of the weights to estimate (e.g. `pre_classifier.weight`). */
  names: readonly string[];
  /** Token batches; labels default to the model's own predictions. */
  batches: readonly (ModelInputs & { labels?: readonly number[] })[];
  /** Rademacher samples per batch (default 4). */
  samples?: number;
  /** Finite-difference step relative to each weight's RMS (default 1e-2). */
  step?: number;
  seed?: number;
  /**
   * Checked before each sample: once true, the estimate stops with the samples done so far (the
   * tuner's time budget); 0 for every weight when none was.
   */
  stop?: () => boolean;
}

/**
 * The mean Hessian diagonal (tr(H_l) / size) of each weight in `names`, by Hutchinson's method.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { hessianTraces } from "./hessian_trace.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 30, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const weights = randomDistilBertWeights(config, { seed: 1 });
 * const batch = { size: 2, seqLen: 4, inputIds: [2, 5, 7, 3, 2, 9, 3, 0], attentionMask: [1, 1, 1, 1, 1, 1, 1, 0], labels: [0, 1] };
 * const traces = await hessianTraces({ config, weights, names: ["classifier.weight"], batches: [batch], samples: 2 });
 * assert.ok(traces.get("classifier.weight")! > 0);
 * ```
 */
export async function hessianTraces(options: HessianTraceOptions): Promise<Map<string, number>> {
  await initTf();
  const model = await TfDistilBert.fromWeights(options.config, options.weights);
  const rng = createRng(options.seed ?? 0);
  const samples = options.samples ?? 4;
  const relStep = options.step ?? 1e-2;
  const vars = options.names.map((n) => model.variable(n));
  const base = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  const steps = base.map((w) => {
    const rms = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / Math.max(1, w.length));
    return relStep * (rms > 0 ? rms : 1);
  });
  const sums = new Array<number>(vars.length).fill(0);
  let count = 0;
  const set = (values: Float32Array[]) =>
    vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i], v.shape, "float32"))));
  try {
    batches: for (const batch of options.batches) {
      const labels = batch.labels ? [...batch.labels] : argmax(model.predict(batch), 2);
      const grads = () => {
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.forward(batch).logits;
          return crossEntropy(logits, tf.tensor1d(labels, "int32"));
        }, vars);
        value.dispose();
        const out = vars.map((v) => {
          const g = grads[v.name];
          const data = Float32Array.from(g.dataSync() as Float32Array);
          return data;
        });
        for (const g of Object.values(grads)) g.dispose();
        return out;
      };
      for (let s = 0; s < samples; s++) {
        if (options.stop?.()) break batches; // the model is disposed below: no need to restore
        const v = base.map((w) => Float32Array.from(w, () => (rng.next() < 0.5 ? -1 : 1)));
        set(base.map((w, i) => w.map((x, j) => x + steps[i] * v[i][j])));
        const plus = grads();
        set(base.map((w, i) => w.map((x, j) => x - steps[i] * v[i][j])));
        const minus = grads();
        for (let i = 0; i < vars.length; i++) {
          let dot = 0;
          for (let j = 0; j < base[i].length; j++) {
            dot += v[i][j] * (plus[i][j] - minus[i][j]) / (2 * steps[i]);
          }
          sums[i] += dot / base[i].length;
        }
        count++;
      }
      set(base);
    }
  } finally {
    model.dispose();
  }
  return new Map(options.names.map((n, i) => [n, sums[i] / Math.max(1, count)]));
}

function argmax(logits: Float32Array, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * classes < logits.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    }
    out.push(best);
  }
  return out;
}

/**
 * ‖Q(W) − W‖² of a `[out, in]` weight under symmetric per-row INT8 quantization (per-channel,
 * as the kit's quantizer does by default) or one scale for the tensor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weightQuantizationError } from "./hessian_trace.ts";
 * assert.equal(weightQuantizationError(new Float32Array([127, -127]), [1, 2]), 0);
 * assert.ok(weightQuantizationError(new Float32Array([127, 0.3]), [1, 2]) > 0.08);
 * ```
 */
export function weightQuantizationError(
  data: Float32Array,
  shape: readonly number[],
  perChannel = true,
): number {
  const rows = perChannel ? shape[0] : 1;
  const cols = data.length / rows;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(data[r * cols + c]));
    const scale = max > 0 ? max / 127 : 1;
    for (let c = 0; c < cols; c++) {
      const x = data[r * cols + c];
      sum += (Math.round(x / scale) * scale - x) ** 2;
    }
  }
  return sum;
}
