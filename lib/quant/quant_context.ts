/**
 * The state of one quantization pass over a model — the onnx layer's `RewriteContext` plus what
 * only quantization needs — and the graph-writing helpers every op quantizer shares: quantized weights (made once per weight), activations quantized once per
 * tensor whatever the number of consumers (`DynamicQuantizeLinear`, or `QuantizeLinear` from
 * calibrated ranges, plus one shared `DequantizeLinear` in QDQ form), new nodes, removed nodes.
 *
 * @module
 */

import { attr, type AttributeValue, DataType, type Model, RewriteContext } from "../onnx/mod.ts";
import { computeQuantParams, type MinMax, type QuantParams, type QuantType } from "./params.ts";
import type { ResolvedQuantOptions } from "./options.ts";
import { quantDataType, type QuantizedTensor, quantizeWeight } from "./weight_quantization.ts";

/** Names of a quantized tensor in the graph: data, scale and zero point. */
export interface QuantizedValue {
  data: string;
  scale: string;
  zeroPoint: string;
  type: QuantType;
  /** Channel axis of per-channel parameters. */
  axis?: number;
  /** Dimensions of the data when it is a constant. */
  dims?: number[];
  /** The parameters when known ahead of time (weights, static activations). */
  params?: QuantParams;
}

/** Options of {@link QuantContext.weight}. */
export interface WeightRequest {
  /** Output-channel axis in the stored layout (after `transpose`). */
  axis: number;
  /** Store `[N, K]` weights as `[K, N]`. */
  transpose?: boolean;
  /** Override the per-channel option (embeddings use it per hidden unit). */
  perChannel?: boolean;
}

/** Options of {@link QuantContext.addNode}. */
export interface AddNodeOptions {
  /** Base of the node name (made unique). */
  name: string;
  /** Output names to use as is (must be free), or bases for fresh ones. */
  outputs?: string[];
  /** Output bases to make unique (default `<name>_output`). */
  freshOutputs?: string[];
  attributes?: Record<string, AttributeValue>;
  domain?: string;
}

/** Mode of a quantization pass. */
export type QuantApproach = "dynamic" | "static";

/**
 * One quantization pass over a model (already copied: the pass edits it in place). Quantizers
 * add nodes and initializers through it and mark the nodes they replace; {@link finish} writes
 * the graph.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { QuantContext } from "./quant_context.ts";
 * import { resolveQuantOptions } from "./options.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 2]);
 * const w = b.initializer("w", DataType.FLOAT, [2, 2], [1, -1, 0.5, 2]);
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 2], { rename: "y" });
 * const model = createModel(b.build());
 * const ctx = new QuantContext(model, resolveQuantOptions("dynamic"), "dynamic");
 * const q = ctx.weight("w", { axis: 1 }); // int8, one scale per column
 * const a = ctx.dynamicActivation("x");
 * ctx.addNode("MatMulInteger", [a.data, q.data, a.zeroPoint, q.zeroPoint], {
 *   name: "mm", freshOutputs: ["acc"],
 * });
 * ctx.finish();
 * assert.deepEqual(model.graph.nodes.map((n) => n.opType), ["MatMul", "DynamicQuantizeLinear", "MatMulInteger"]);
 * assert.deepEqual(model.graph.initializers.find((t) => t.name === q.zeroPoint)?.dims, [2]);
 * ```
 */
export class QuantContext extends RewriteContext {
  readonly options: ResolvedQuantOptions;
  readonly approach: QuantApproach;
  readonly #ranges: ReadonlyMap<string, MinMax>;
  readonly #cache = new Map<string, unknown>();

  constructor(
    model: Model,
    options: ResolvedQuantOptions,
    approach: QuantApproach,
    ranges: ReadonlyMap<string, MinMax> = new Map(),
  ) {
    super(model);
    this.options = options;
    this.approach = approach;
    this.#ranges = ranges;
  }

  /** Default-domain opset of the model (0 when it imports none). */
  get opset(): number {
    return this.opsetOf() ?? 0;
  }

  /** The calibrated range of an activation, if any. */
  range(value: string): MinMax | undefined {
    return this.#ranges.get(value);
  }

  /** Adds a node (placed by the topological sort in {@link finish}); returns its outputs. */
  addNode(opType: string, inputs: readonly string[], options: AddNodeOptions): string[] {
    return this.createNode({ opType, inputs, ...options }).outputs;
  }

  /** Adds a quantized tensor's three initializers. */
  addQuantizedTensor(q: QuantizedTensor): QuantizedValue {
    this.graph.initializers.push(q.data, q.scale, q.zeroPoint);
    const type = q.data.dataType === DataType.INT8 ? "int8" : "uint8";
    return {
      data: q.data.name,
      scale: q.scale.name,
      zeroPoint: q.zeroPoint.name,
      type,
      axis: q.axis,
      dims: [...q.data.dims],
      params: q.params,
    };
  }

  /**
   * The weight `name` quantized with the pass's weight options (per channel along `axis` when
   * per-channel), made once per weight and layout.
   */
  weight(name: string, request: WeightRequest): QuantizedValue {
    const perChannel = request.perChannel ?? this.options.perChannel;
    const key = `weight\0${name}\0${request.axis}\0${request.transpose ? 1 : 0}\0${perChannel}`;
    return this.#cached(key, () => {
      const tensor = this.floatConstant(name)!;
      const base = request.transpose ? `${name}_transposed` : name;
      const q = quantizeWeight(tensor, {
        type: this.options.weightType,
        symmetric: this.options.weightSymmetric,
        perChannel,
        axis: request.axis,
        reduceRange: this.options.reduceRange,
        transpose: request.transpose,
      }, {
        data: this.names.next(`${base}_quantized`),
        scale: this.names.next(`${base}_scale`),
        zeroPoint: this.names.next(`${base}_zero_point`),
      });
      return this.addQuantizedTensor(q);
    });
  }

  /** `value` quantized at run time by one shared `DynamicQuantizeLinear` (uint8). */
  dynamicActivation(value: string): QuantizedValue {
    return this.#cached(`dynamic\0${value}`, () => {
      const [data, scale, zeroPoint] = this.addNode("DynamicQuantizeLinear", [value], {
        name: `${value}_DynamicQuantizeLinear`,
        freshOutputs: [`${value}_quantized`, `${value}_scale`, `${value}_zero_point`],
      });
      return { data, scale, zeroPoint, type: "uint8" as const };
    });
  }

  /**
   * Static quantization parameters of an activation from its calibrated range (the pass's
   * activation type and symmetry unless overridden), as initializers; undefined without a range.
   */
  activationParams(
    value: string,
    override: { type?: QuantType; symmetric?: boolean } = {},
  ): QuantizedValue | undefined {
    const range = this.range(value);
    if (!range) return undefined;
    const type = override.type ?? this.options.activationType;
    const symmetric = override.symmetric ?? this.options.activationSymmetric;
    return this.#cached(`params\0${value}\0${type}\0${symmetric}`, () => {
      const params = computeQuantParams({ ...range, type, symmetric });
      const scale = this.addInitializer(`${value}_scale`, DataType.FLOAT, [], params.scale);
      const zeroPoint = this.addInitializer(
        `${value}_zero_point`,
        quantDataType(type),
        [],
        params.zeroPoint,
      );
      return { data: "", scale, zeroPoint, type, params };
    });
  }

  /** `value` quantized by one shared `QuantizeLinear` from its range; undefined without a range. */
  staticActivation(
    value: string,
    override: { type?: QuantType; symmetric?: boolean } = {},
  ): QuantizedValue | undefined {
    const p = this.activationParams(value, override);
    if (!p) return undefined;
    return this.#cached(`static\0${value}\0${p.type}\0${p.scale}`, () => {
      const [data] = this.addNode("QuantizeLinear", [value, p.scale, p.zeroPoint], {
        name: `${value}_QuantizeLinear`,
        freshOutputs: [`${value}_quantized`],
      });
      return { ...p, data };
    });
  }

  /** The float output of one shared `DequantizeLinear` of a quantized value (QDQ form). */
  dequantized(q: QuantizedValue, base: string): string {
    return this.#cached(`dq\0${q.data}`, () => {
      const attributes = q.axis !== undefined ? { axis: attr.int(q.axis) } : undefined;
      return this.addNode("DequantizeLinear", [q.data, q.scale, q.zeroPoint], {
        name: `${base}_DequantizeLinear`,
        freshOutputs: [`${base}_dequantized`],
        attributes,
      })[0];
    });
  }

  /** A value computed once per key (shared subgraphs such as shapes). */
  shared<T>(key: string, make: () => T): T {
    return this.#cached(`shared\0${key}`, make);
  }

  /**
   * Writes the pass into the graph: drops replaced nodes, sorts topologically, and removes
   * initializers and value infos nothing uses any more (the `com.microsoft` opset is imported
   * as soon as a contrib op is written).
   */
  finish(): void {
    this.dropRemoved();
    this.sort();
    this.pruneUnused();
  }

  #cached<T>(key: string, make: () => T): T {
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const value = make();
    this.#cache.set(key, value);
    return value;
  }
}
