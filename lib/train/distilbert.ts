/**
 * `DistilBertForSequenceClassification` in TensorFlow.js, built from the same state-dict
 * {@link WeightMap} as the ONNX builder (`lib/model/distilbert_graph.ts`) and computing the same
 * function: word + position embeddings and LayerNorm (eps from the config), per layer
 * multi-head attention with q/√d, padded keys masked to float32's lowest value, softmax, out_lin,
 * residual + LayerNorm, FFN with exact (erf) GELU, residual + LayerNorm; then `[CLS]` →
 * pre_classifier → ReLU → classifier. In training mode dropout is applied where Hugging Face
 * applies it (after the embeddings, on attention probabilities, after the FFN, before the
 * classifier), with masks drawn from a seeded generator.
 *
 * Weights are `tf.Variable`s in PyTorch layout under their state-dict names, so
 * {@link TfDistilBert.toWeightMap} gives back a map `buildDistilBertGraph` exports to ONNX
 * unchanged: a model moves between training (tfjs) and inference (ONNX Runtime) without loss.
 *
 * Masking note: the ONNX graph writes `Where(mask, lowest, scores)`; here the mask is added as a
 * bias of 0 or float32's lowest. Both give exactly 0 after softmax for masked keys (the
 * exponential underflows), and so the same outputs and gradients, without materialising a
 * broadcast mask per layer.
 *
 * @module
 */
import type { Tensor, Tensor1D, Tensor2D, Tensor3D, Variable } from "@tensorflow/tfjs";
import type { DistilBertConfig } from "../model/config.ts";
import { distilBertWeightShapes } from "../model/distilbert_graph.ts";
import { elementCount, type WeightMap } from "../model/weights.ts";
import { initTf, tf } from "./backend.ts";
import type { EmbeddingCall, ForwardHooks, LinearCall, MatMulCall } from "./hooks.ts";
import { exactGelu, layerNormLastAxis, linear as fastLinear, matMul as fastMatMul } from "./ops.ts";
import { Rng } from "../random/mod.ts";

/** float32's lowest finite value (torch's `finfo(float32).min`), as in the ONNX graph. */
const FLOAT32_LOWEST = -3.4028234663852886e38;

/** Dropout probabilities (Hugging Face's `dropout`, `attention_dropout`, `seq_classif_dropout`). */
export interface DropoutRates {
  /** After the embeddings and after each FFN (default 0.1). */
  hidden: number;
  /** On attention probabilities (default 0.1). */
  attention: number;
  /** Before the classifier (default 0.2). */
  classifier: number;
}

/** Hugging Face's DistilBERT defaults. */
export const DEFAULT_DROPOUT: Readonly<DropoutRates> = {
  hidden: 0.1,
  attention: 0.1,
  classifier: 0.2,
};

/** Options of {@link TfDistilBert.fromWeights}. */
export interface TfDistilBertOptions {
  /** Dropout probabilities in training mode; missing ones take {@link DEFAULT_DROPOUT}. */
  dropout?: Partial<DropoutRates>;
  /** Forward hooks (also settable later through `model.hooks`). */
  hooks?: ForwardHooks;
  /**
   * Which weights train (state-dict name → boolean). Default: all but a sinusoidal position
   * table, which Hugging Face keeps fixed.
   */
  trainable?: (name: string) => boolean;
}

/** Token ids and mask of a padded batch (a `lib/data` `Batch` fits). */
export interface ModelInputs {
  /** Rows. */
  size: number;
  /** Padded length. */
  seqLen: number;
  /** `[size * seqLen]` row-major. */
  inputIds: BigInt64Array | Int32Array | readonly number[];
  /** `[size * seqLen]`, 1 for tokens and 0 for padding. */
  attentionMask: BigInt64Array | Int32Array | readonly number[];
}

/** Options of {@link TfDistilBert.forward}. */
export interface ForwardOptions {
  /** Training mode: dropout on (default false). */
  training?: boolean;
  /** Seed of the dropout masks (training mode); the same seed gives the same masks. */
  dropoutSeed?: number;
  /** Also return the hidden states (embeddings output and each layer's output). */
  outputHiddenStates?: boolean;
}

/** What {@link TfDistilBert.forward} returns; the caller owns (disposes) the tensors. */
export interface ForwardOutput {
  /** `[size, numLabels]`. */
  logits: Tensor2D;
  /** With `outputHiddenStates`: `nLayers + 1` tensors `[size, seqLen, dim]`. */
  hiddenStates?: Tensor3D[];
}

/** The weights or inputs do not fit the model; the message names the weight or input. */
export class TfModelError extends Error {
  override name = "TfModelError";
}

let modelCounter = 0;

/**
 * DistilBERT for sequence classification on tfjs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TfDistilBert } from "./distilbert.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 50, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 16 };
 * const weights = randomDistilBertWeights(config, { seed: 1 });
 * const model = await TfDistilBert.fromWeights(config, weights);
 * const logits = model.predict({ size: 1, seqLen: 3, inputIds: [2, 7, 3], attentionMask: [1, 1, 1] });
 * assert.equal(logits.length, 2);
 * assert.deepEqual(model.toWeightMap(), weights);
 * model.dispose();
 * ```
 */
export class TfDistilBert {
  /** The architecture. */
  readonly config: DistilBertConfig;
  /** Dropout probabilities used in training mode. */
  readonly dropout: Readonly<DropoutRates>;
  /** Forward hooks; replace or extend to change what layers compute (see `hooks.ts`). */
  hooks: ForwardHooks;
  /** Every weight as a variable, by state-dict name, in PyTorch layout. */
  readonly variables: ReadonlyMap<string, Variable>;

  private constructor(
    config: DistilBertConfig,
    variables: Map<string, Variable>,
    options: TfDistilBertOptions,
  ) {
    this.config = config;
    this.variables = variables;
    this.dropout = { ...DEFAULT_DROPOUT, ...options.dropout };
    this.hooks = options.hooks ?? {};
  }

  /**
   * A model holding a copy of `weights` (state-dict names and shapes of
   * `distilBertWeightShapes(config)`; extra entries are ignored). Starts tfjs if needed.
   * Throws {@link TfModelError} naming a missing or mis-shaped weight.
   */
  static async fromWeights(
    config: DistilBertConfig,
    weights: WeightMap,
    options: TfDistilBertOptions = {},
  ): Promise<TfDistilBert> {
    await initTf();
    checkConfig(config);
    const id = ++modelCounter;
    const trainable = options.trainable ??
      ((name: string) =>
        !(config.sinusoidalPosEmbds &&
          name === "distilbert.embeddings.position_embeddings.weight"));
    const variables = new Map<string, Variable>();
    try {
      for (const [name, shape] of distilBertWeightShapes(config)) {
        const data = checkedWeight(weights, name, shape);
        const initial = tf.tensor(data, shape, "float32");
        variables.set(name, tf.variable(initial, trainable(name), `m${id}/${name}`));
        initial.dispose();
      }
    } catch (error) {
      for (const v of variables.values()) v.dispose();
      throw error;
    }
    return new TfDistilBert(config, variables, options);
  }

  /** The variables that train, in state-dict order. */
  trainableVariables(): Variable[] {
    return [...this.variables.values()].filter((v) => v.trainable);
  }

  /** Number of weights (all variables). */
  parameterCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  /** A variable by state-dict name; throws {@link TfModelError} when absent. */
  variable(name: string): Variable {
    const v = this.variables.get(name);
    if (!v) throw new TfModelError(`The model has no weight "${name}".`);
    return v;
  }

  /**
   * Runs the model; call inside `tf.tidy` (or dispose the outputs). Throws
   * {@link TfModelError} when the inputs' lengths do not match `size × seqLen`.
   */
  forward(inputs: ModelInputs, options: ForwardOptions = {}): ForwardOutput {
    const { size, seqLen } = inputs;
    checkInputs(inputs, this.config);
    const pass = new Pass(this, options);
    const ids = tf.tensor1d(toInt32(inputs.inputIds), "int32");
    const maskBias = tf.tensor4d(maskBiasOf(inputs.attentionMask), [size, 1, 1, seqLen]);
    const hiddenStates: Tensor3D[] = [];
    let hidden = pass.embeddings(ids, size, seqLen);
    const keep = (h: Tensor2D) => {
      if (options.outputHiddenStates) {
        hiddenStates.push(tf.reshape(h, [size, seqLen, this.config.dim]) as Tensor3D);
      }
    };
    keep(hidden);
    for (let i = 0; i < this.config.nLayers; i++) {
      hidden = pass.block(i, hidden, maskBias, size, seqLen);
      keep(hidden);
    }
    const logits = pass.head(hidden, size, seqLen);
    return options.outputHiddenStates ? { logits, hiddenStates } : { logits };
  }

  /** Inference-mode logits of one batch, `[size * numLabels]` row-major. */
  predict(inputs: ModelInputs): Float32Array {
    const logits = tf.tidy(() => this.forward(inputs).logits);
    try {
      return logits.dataSync() as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  /** A copy of the weights, state-dict names and PyTorch layouts, ready for the ONNX builder. */
  toWeightMap(): WeightMap {
    const out: WeightMap = new Map();
    for (const [name, v] of this.variables) {
      out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return out;
  }

  /** Overwrites the weights with `weights` (same names and shapes; extra entries ignored). */
  setWeights(weights: WeightMap): void {
    for (const [name, v] of this.variables) {
      const data = checkedWeight(weights, name, v.shape);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, "float32")));
    }
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}

/** One forward pass: inputs, mode and the dropout generator. */
class Pass {
  readonly #model: TfDistilBert;
  readonly #training: boolean;
  readonly #rng?: Rng;

  constructor(model: TfDistilBert, options: ForwardOptions) {
    this.#model = model;
    this.#training = options.training ?? false;
    if (this.#training) this.#rng = new Rng(options.dropoutSeed ?? 0, 0x64726f70);
  }

  #w(name: string): Variable {
    return this.#model.variable(name);
  }

  embeddings(ids: Tensor1D, size: number, seqLen: number): Tensor2D {
    const { dim } = this.#model.config;
    const words = this.embedding("distilbert.embeddings.word_embeddings", { ids });
    const positions = this.embedding("distilbert.embeddings.position_embeddings", {
      length: seqLen,
    });
    const sum = tf.add(tf.reshape(words, [size, seqLen, dim]), positions);
    const normed = this.layerNorm(
      tf.reshape(sum, [size * seqLen, dim]) as Tensor2D,
      "distilbert.embeddings.LayerNorm",
    );
    return this.dropout(normed, this.#model.dropout.hidden);
  }

  block(i: number, x: Tensor2D, maskBias: Tensor, size: number, seqLen: number): Tensor2D {
    const p = `distilbert.transformer.layer.${i}`;
    const attended = this.attention(x, maskBias, `${p}.attention`, size, seqLen);
    const sa = this.layerNorm(tf.add(attended, x), `${p}.sa_layer_norm`);
    const h = this.linear(sa, `${p}.ffn.lin1`);
    const activated = this.#model.config.activation === "relu"
      ? tf.relu(h)
      : exactGelu(h) as Tensor2D;
    const ffn = this.dropout(this.linear(activated, `${p}.ffn.lin2`), this.#model.dropout.hidden);
    return this.layerNorm(tf.add(ffn, sa), `${p}.output_layer_norm`);
  }

  attention(x: Tensor2D, maskBias: Tensor, p: string, size: number, seqLen: number): Tensor2D {
    const { dim, nHeads } = this.#model.config;
    const headDim = dim / nHeads;
    const split = (name: string, perm: number[]) =>
      tf.transpose(
        tf.reshape(this.linear(x, `${p}.${name}`), [size, seqLen, nHeads, headDim]),
        perm,
      );
    const q = split("q_lin", [0, 2, 1, 3]); // [batch, heads, seq, headDim]
    const kT = split("k_lin", [0, 2, 3, 1]); // [batch, heads, headDim, seq]
    const v = split("v_lin", [0, 2, 1, 3]);
    const scaled = tf.div(q, tf.scalar(Math.sqrt(headDim)));
    const scores = this.matMul(`${p}.scores`, scaled, kT);
    const probs = this.dropout(
      tf.softmax(tf.add(scores, maskBias)),
      this.#model.dropout.attention,
    );
    const context = this.matMul(`${p}.context`, probs, v);
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [size * seqLen, dim]);
    return this.linear(merged as Tensor2D, `${p}.out_lin`);
  }

  head(hidden: Tensor2D, size: number, seqLen: number): Tensor2D {
    const { dim } = this.#model.config;
    const cls = tf.reshape(
      tf.slice(tf.reshape(hidden, [size, seqLen, dim]), [0, 0, 0], [size, 1, dim]),
      [size, dim],
    ) as Tensor2D;
    const pre = tf.relu(this.linear(cls, "pre_classifier"));
    return this.linear(this.dropout(pre, this.#model.dropout.classifier), "classifier");
  }

  linear(x: Tensor2D, name: string): Tensor2D {
    const call: LinearCall = {
      name,
      x,
      weight: this.#w(`${name}.weight`) as Tensor2D,
      bias: this.#w(`${name}.bias`) as Tensor1D,
      training: this.#training,
    };
    const next = (c: LinearCall) => fastLinear(c.x, c.weight, c.bias);
    const hook = this.#model.hooks.linear;
    return hook ? hook(call, next) : next(call);
  }

  embedding(name: string, lookup: { ids: Tensor1D } | { length: number }): Tensor2D {
    const call: EmbeddingCall = {
      name,
      table: this.#w(`${name}.weight`) as Tensor2D,
      ...lookup,
      training: this.#training,
    };
    const hook = this.#model.hooks.embedding;
    return hook ? hook(call, embeddingLookup) : embeddingLookup(call);
  }

  matMul(name: string, a: Tensor, b: Tensor): Tensor {
    const call: MatMulCall = { name, a, b, training: this.#training };
    const next = (c: MatMulCall) => fastMatMul(c.a, c.b);
    const hook = this.#model.hooks.matMul;
    return hook ? hook(call, next) : next(call);
  }

  /** LayerNorm over the last axis, decomposed as the ONNX graph writes it. */
  layerNorm(x: Tensor2D, prefix: string): Tensor2D {
    const gamma = this.#w(`${prefix}.weight`) as Tensor1D;
    return layerNormLastAxis(
      x,
      gamma,
      this.#w(`${prefix}.bias`) as Tensor1D,
      this.#model.config.layerNormEps,
    );
  }

  dropout<T extends Tensor>(x: T, rate: number): T {
    if (!this.#rng || rate <= 0) return x;
    if (rate >= 1) return tf.zerosLike(x);
    const mask = new Float32Array(x.size);
    const scale = Math.fround(1 / (1 - rate));
    for (let i = 0; i < mask.length; i++) mask[i] = this.#rng.next() < rate ? 0 : scale;
    return tf.mul(x, tf.tensor(mask, x.shape, "float32"));
  }
}

/** The default embedding lookup: `Gather` of the ids, or the table's first `length` rows. */
function embeddingLookup(call: EmbeddingCall): Tensor2D {
  if (call.ids) return tf.gather(call.table, call.ids);
  if (call.length === undefined) {
    throw new TfModelError(
      `Embedding call "${call.name}" has neither ids nor a length; a hook dropped them.`,
    );
  }
  return tf.slice(call.table, [0, 0], [call.length, call.table.shape[1]]);
}

function checkConfig(config: DistilBertConfig): void {
  if (config.activation !== "gelu" && config.activation !== "relu") {
    throw new TfModelError(
      `DistilBERT activation ${JSON.stringify(config.activation)} is not supported; the ` +
        `config's "activation" must be "gelu" or "relu".`,
    );
  }
  if (config.dim % config.nHeads !== 0) {
    throw new TfModelError(`dim ${config.dim} is not divisible by n_heads ${config.nHeads}.`);
  }
}

function checkedWeight(weights: WeightMap, name: string, shape: readonly number[]): Float32Array {
  const tensor = weights.get(name);
  if (!tensor) {
    throw new TfModelError(
      `Weight "${name}" (shape [${shape}]) is missing from the weight map; the checkpoint is not ` +
        `a DistilBertForSequenceClassification of this config (check n_layers, the head).`,
    );
  }
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new TfModelError(
      `Weight "${name}" has shape [${tensor.shape}] but the config needs [${shape}].`,
    );
  }
  if (tensor.data.length !== elementCount(shape)) {
    throw new TfModelError(`Weight "${name}" has ${tensor.data.length} values for [${shape}].`);
  }
  return tensor.data;
}

function checkInputs(inputs: ModelInputs, config: DistilBertConfig): void {
  const { size, seqLen } = inputs;
  const n = size * seqLen;
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(seqLen) || seqLen < 1) {
    throw new TfModelError(`Batch size ${size} and seqLen ${seqLen} must be positive integers.`);
  }
  if (inputs.inputIds.length !== n || inputs.attentionMask.length !== n) {
    throw new TfModelError(
      `inputIds (${inputs.inputIds.length}) and attentionMask (${inputs.attentionMask.length}) ` +
        `must both hold size × seqLen = ${n} values.`,
    );
  }
  for (let i = 0; i < n; i++) {
    const id = Number(inputs.inputIds[i]);
    if (!(id >= 0 && id < config.vocabSize)) {
      throw new TfModelError(
        `inputIds[${i}] = ${id} is outside the vocabulary [0, ${config.vocabSize}); the batch was ` +
          `encoded with another tokenizer.`,
      );
    }
  }
  if (seqLen > config.maxPositionEmbeddings) {
    throw new TfModelError(
      `seqLen ${seqLen} exceeds max_position_embeddings ${config.maxPositionEmbeddings}; ` +
        `truncate the inputs (maxLength).`,
    );
  }
}

function toInt32(values: BigInt64Array | Int32Array | readonly number[]): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

function maskBiasOf(mask: BigInt64Array | Int32Array | readonly number[]): Float32Array {
  const out = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = Number(mask[i]) === 0 ? FLOAT32_LOWEST : 0;
  return out;
}
