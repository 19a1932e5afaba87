/**
 * The editable {@link Model} → ONNX protobuf bytes, with tensor data as `raw_data` or, for large
 * models, in a separate external-data file.
 *
 * @module
 */

import type { AttributeValue } from "./attribute.ts";
import { dataMatchesType, dataTypeName } from "./data_type.ts";
import { OnnxEncodeError } from "./errors.ts";
import type { Graph, Model, Node, ValueInfo } from "./model.ts";
import {
  type IAttributeProto,
  type IGraphProto,
  type IModelProto,
  type INodeProto,
  type ITensorProto,
  type IValueInfoProto,
  LITTLE_ENDIAN,
  onnx,
  toInt64,
} from "./_proto.ts";
import { shapeSize, type Tensor, tensorBytes } from "./tensor.ts";

/**
 * Largest model file the kit writes inline: protobuf messages cannot exceed 2 GiB, so models
 * whose tensors pass 1.9 GB go to external data.
 */
export const MAX_INLINE_BYTES = 1_900_000_000;

/** Default `threshold` of {@link ExternalDataOptions}: smaller tensors stay inline. */
export const DEFAULT_EXTERNAL_THRESHOLD = 1024;

/** How tensors move to an external-data file. */
export interface ExternalDataOptions {
  /** The data file's name relative to the model's folder, e.g. `model.onnx_data`. */
  location: string;
  /** Initializers of at least this many bytes go to the file (default 1024). */
  threshold?: number;
}

/** A model encoded with external data: the model bytes and the data file's content in order. */
export interface EncodedWithExternalData {
  model: Uint8Array;
  /** Consecutive pieces of the data file (views of the tensors plus alignment padding). */
  data: Uint8Array[];
  /** Total bytes of `data`. */
  dataBytes: number;
  /** Number of tensors moved to the data file. */
  externalTensors: number;
}

/**
 * Bytes of tensor data in `model` (initializers and tensor attributes, nested graphs included):
 * about the size of the model file when written inline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, createModel, modelTensorBytes } from "./mod.ts";
 * const b = new GraphBuilder();
 * b.initializer("w", DataType.FLOAT, [2, 3]);
 * assert.equal(modelTensorBytes(createModel(b.build())), 24);
 * ```
 */
export function modelTensorBytes(model: Model): number {
  return graphTensorBytes(model.graph);
}

function graphTensorBytes(graph: Graph): number {
  let total = 0;
  for (const t of graph.initializers) total += t.data.byteLength;
  for (const node of graph.nodes) {
    for (const value of Object.values(node.attributes)) {
      if (value.type === "tensor") total += value.value.data.byteLength;
      if (value.type === "tensors") { for (const t of value.value) total += t.data.byteLength; }
      if (value.type === "graph") total += graphTensorBytes(value.value);
      if (value.type === "graphs") { for (const g of value.value) total += graphTensorBytes(g); }
    }
  }
  return total;
}

/**
 * Encodes `model` with all tensor data inline (`raw_data`). Throws {@link OnnxEncodeError} when
 * a tensor is inconsistent (naming it) or the model passes {@link MAX_INLINE_BYTES} (use
 * `writeModel(path, model, { externalData: true })`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, createModel, decodeModel, encodeModel } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, [2]);
 * const w = b.initializer("w", DataType.FLOAT, [2], [3, 4]);
 * b.output(b.op("Mul", [x, w]), DataType.FLOAT, [2]);
 * const again = decodeModel(encodeModel(createModel(b.build())));
 * assert.deepEqual(again.graph.initializers[0].data, new Float32Array([3, 4]));
 * ```
 */
export function encodeModel(model: Model): Uint8Array {
  const bytes = modelTensorBytes(model);
  if (bytes > MAX_INLINE_BYTES) {
    throw new OnnxEncodeError(
      `Model graph "${model.graph.name}" has ${bytes} bytes of tensors, over the ${MAX_INLINE_BYTES}` +
        ` bytes a protobuf file can hold; write it with writeModel(path, model, ` +
        `{ externalData: true }) so the weights go to a separate .onnx_data file.`,
    );
  }
  return encodeProto(modelToProto(model, inlineTensor));
}

/**
 * Encodes `model` with initializers of at least `threshold` bytes moved to the external-data
 * file `location`; tensors of 1 MiB or more start at 4096-byte offsets so runtimes can map them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, createModel, encodeModelWithExternalData } from "./mod.ts";
 * const b = new GraphBuilder();
 * b.initializer("big", DataType.FLOAT, [512]);
 * b.initializer("small", DataType.FLOAT, [2]);
 * const out = encodeModelWithExternalData(createModel(b.build()), { location: "m.onnx_data" });
 * assert.equal(out.externalTensors, 1);
 * assert.equal(out.dataBytes, 2048);
 * ```
 */
export function encodeModelWithExternalData(
  model: Model,
  options: ExternalDataOptions,
): EncodedWithExternalData {
  const threshold = options.threshold ?? DEFAULT_EXTERNAL_THRESHOLD;
  const data: Uint8Array[] = [];
  let offset = 0;
  let externalTensors = 0;
  const externalize = (tensor: Tensor): ITensorProto => {
    const bytes = checkedBytes(tensor);
    if (bytes.byteLength < threshold || bytes.byteLength === 0) return inlineTensor(tensor);
    const align = bytes.byteLength >= 1 << 20 ? 4096 : 16;
    const pad = (align - (offset % align)) % align;
    if (pad > 0) data.push(new Uint8Array(pad));
    offset += pad;
    data.push(bytes);
    externalTensors++;
    const proto: ITensorProto = {
      ...tensorHeader(tensor),
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: "location", value: options.location },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(bytes.byteLength) },
      ],
    };
    offset += bytes.byteLength;
    return proto;
  };
  const proto = modelToProto(model, externalize);
  return { model: encodeProto(proto), data, dataBytes: offset, externalTensors };
}

/**
 * Encodes one tensor as a serialized `TensorProto` (data in `raw_data`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, createTensor, encodeTensorProto } from "./mod.ts";
 * const bytes = encodeTensorProto(createTensor("x", DataType.FLOAT, [1], [1]));
 * assert.ok(bytes.length > 4);
 * ```
 */
export function encodeTensorProto(tensor: Tensor): Uint8Array {
  if (!LITTLE_ENDIAN) throw new OnnxEncodeError("The kit writes ONNX only on little-endian hosts.");
  const out = onnx.TensorProto.encode(inlineTensor(tensor)).finish();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function encodeProto(proto: IModelProto): Uint8Array {
  if (!LITTLE_ENDIAN) throw new OnnxEncodeError("The kit writes ONNX only on little-endian hosts.");
  const out = onnx.ModelProto.encode(proto).finish();
  // protobufjs may return a Node Buffer; hand out a plain Uint8Array view.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

type TensorEncoder = (tensor: Tensor) => ITensorProto;

function modelToProto(model: Model, initializer: TensorEncoder): IModelProto {
  return {
    irVersion: toInt64(model.irVersion),
    opsetImport: model.opsetImports.map((o) => ({
      domain: o.domain,
      version: toInt64(o.version),
    })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    ...(model.domain ? { domain: model.domain } : {}),
    ...(model.modelVersion ? { modelVersion: toInt64(model.modelVersion) } : {}),
    ...(model.docString ? { docString: model.docString } : {}),
    graph: graphToProto(model.graph, initializer),
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
  };
}

function graphToProto(graph: Graph, initializer: TensorEncoder): IGraphProto {
  return {
    name: graph.name,
    node: graph.nodes.map(nodeToProto),
    initializer: graph.initializers.map(initializer),
    input: graph.inputs.map(valueInfoToProto),
    output: graph.outputs.map(valueInfoToProto),
    valueInfo: graph.valueInfo.map(valueInfoToProto),
    ...(graph.docString ? { docString: graph.docString } : {}),
  };
}

function nodeToProto(node: Node): INodeProto {
  return {
    name: node.name,
    opType: node.opType,
    ...(node.domain ? { domain: node.domain } : {}),
    input: node.inputs,
    output: node.outputs,
    attribute: Object.entries(node.attributes).map(([name, value]) =>
      attributeToProto(node, name, value)
    ),
    ...(node.docString ? { docString: node.docString } : {}),
  };
}

const utf8 = new TextEncoder();
const T = onnx.AttributeProto.AttributeType;

function attributeToProto(node: Node, name: string, a: AttributeValue): IAttributeProto {
  switch (a.type) {
    case "float":
      return { name, type: T.FLOAT, f: a.value };
    case "int":
      return { name, type: T.INT, i: toInt64(a.value) };
    case "string":
      return { name, type: T.STRING, s: utf8.encode(a.value) };
    case "tensor":
      return { name, type: T.TENSOR, t: inlineTensor(a.value) };
    case "graph":
      return { name, type: T.GRAPH, g: graphToProto(a.value, inlineTensor) };
    case "floats":
      return { name, type: T.FLOATS, floats: a.value };
    case "ints":
      return { name, type: T.INTS, ints: a.value.map(toInt64) };
    case "strings":
      return { name, type: T.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case "tensors":
      return { name, type: T.TENSORS, tensors: a.value.map(inlineTensor) };
    case "graphs":
      return {
        name,
        type: T.GRAPHS,
        graphs: a.value.map((g) => graphToProto(g, inlineTensor)),
      };
    default:
      throw new OnnxEncodeError(
        `Node "${node.name}" (${node.opType}): attribute "${name}" has unknown kind ` +
          `${
            JSON.stringify((a as { type: unknown }).type)
          }; build it with attr.int, attr.float, ….`,
      );
  }
}

function valueInfoToProto(info: ValueInfo): IValueInfoProto {
  const hasType = info.elemType !== 0 || info.shape !== undefined;
  return {
    name: info.name,
    ...(hasType
      ? {
        type: {
          tensorType: {
            elemType: info.elemType,
            ...(info.shape
              ? {
                shape: {
                  dim: info.shape.map((d) =>
                    typeof d === "number"
                      ? { dimValue: toInt64(d) }
                      : typeof d === "string"
                      ? { dimParam: d }
                      : {}
                  ),
                },
              }
              : {}),
          },
        },
      }
      : {}),
    ...(info.docString ? { docString: info.docString } : {}),
  };
}

function tensorHeader(tensor: Tensor): ITensorProto {
  return { name: tensor.name, dataType: tensor.dataType, dims: tensor.dims.map(toInt64) };
}

function inlineTensor(tensor: Tensor): ITensorProto {
  return { ...tensorHeader(tensor), rawData: checkedBytes(tensor) };
}

function checkedBytes(tensor: Tensor): Uint8Array {
  if (!dataMatchesType(tensor.dataType, tensor.data)) {
    throw new OnnxEncodeError(
      `Tensor "${tensor.name}": its data is a ${tensor.data.constructor.name}, which cannot ` +
        `hold ${dataTypeName(tensor.dataType)}; store it with createTensor(…).`,
    );
  }
  const count = shapeSize(tensor.dims);
  if (tensor.data.length !== count) {
    throw new OnnxEncodeError(
      `Tensor "${tensor.name}": ${tensor.data.length} values for dims [${tensor.dims}] ` +
        `(${count} elements); fix the dims or the data.`,
    );
  }
  return tensorBytes(tensor);
}
