/**
 * ONNX protobuf bytes → the editable {@link Model}.
 *
 * @module
 */

import type { AttributeValue } from "./attribute.ts";
import { DataType, dataTypeByteSize, dataTypeName, isSupportedDataType } from "./data_type.ts";
import { OnnxDecodeError, OnnxExternalDataError } from "./errors.ts";
import { ExternalDataReader, type ExternalDataRef } from "./external_data.ts";
import type { Dim, Graph, Model, Node, ValueInfo } from "./model.ts";
import {
  type IAttributeProto,
  type IGraphProto,
  type IModelProto,
  type INodeProto,
  int64ToBigInt,
  int64ToNumber,
  type ITensorProto,
  type IValueInfoProto,
  LITTLE_ENDIAN,
  onnx,
} from "./_proto.ts";
import { shapeSize, type Tensor } from "./tensor.ts";

/** Options of {@link decodeModel}. */
export interface DecodeOptions {
  /**
   * The folder of the model file, where external data is looked up. Without it, a model with
   * external data fails with an error that says to pass it (or to use `readModel`).
   */
  baseDir?: string;
  /** Names the bytes in error messages (`readModel` passes the file path). */
  source?: string;
}

interface Context {
  source: string;
  external?: ExternalDataReader;
}

const FIX = "re-download the file (a cached copy may be truncated) or export the model to ONNX " +
  "again; check that the path points at a .onnx file";

/**
 * Decodes ONNX model bytes. Tensor data is copied out of `bytes` into aligned typed arrays.
 * Throws {@link OnnxDecodeError} naming `options.source` when the bytes are not an ONNX model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, createModel, decodeModel, encodeModel } from "./mod.ts";
 * const bytes = encodeModel(createModel(createGraph("empty")));
 * assert.equal(decodeModel(bytes).graph.name, "empty");
 * assert.throws(() => decodeModel(new Uint8Array([1, 2, 3]), { source: "x.onnx" }), /x\.onnx/);
 * ```
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Model {
  if (!LITTLE_ENDIAN) throw new OnnxDecodeError("The kit reads ONNX only on little-endian hosts.");
  const source = options.source ?? "the given bytes";
  let proto: IModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxDecodeError(
      `${source} is not a valid ONNX model (${bytes.length} bytes; protobuf: ` +
        `${(error as Error).message}); ${FIX}.`,
    );
  }
  if (!proto.graph || int64ToNumber(proto.irVersion) <= 0) {
    throw new OnnxDecodeError(
      `${source} is not an ONNX model (${bytes.length} bytes, ${
        proto.graph ? "no ir_version" : "no graph"
      }); ${FIX}.`,
    );
  }
  if ((proto.functions?.length ?? 0) > 0) {
    throw new OnnxDecodeError(
      `${source} defines ${proto.functions!.length} model-local functions, which the kit does ` +
        `not support; export the model without custom functions (inline them).`,
    );
  }
  const ctx: Context = {
    source,
    external: options.baseDir ? new ExternalDataReader(options.baseDir) : undefined,
  };
  try {
    return {
      irVersion: int64ToNumber(proto.irVersion),
      opsetImports: (proto.opsetImport ?? []).map((o) => ({
        domain: o.domain ?? "",
        version: int64ToNumber(o.version),
      })),
      producerName: proto.producerName ?? "",
      producerVersion: proto.producerVersion ?? "",
      ...(proto.domain ? { domain: proto.domain } : {}),
      ...(int64ToNumber(proto.modelVersion)
        ? { modelVersion: int64ToNumber(proto.modelVersion) }
        : {}),
      ...(proto.docString ? { docString: proto.docString } : {}),
      graph: decodeGraph(proto.graph, ctx),
      metadata: Object.fromEntries(
        (proto.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]),
      ),
    };
  } finally {
    ctx.external?.close();
  }
}

function decodeGraph(proto: IGraphProto, ctx: Context): Graph {
  if ((proto.sparseInitializer?.length ?? 0) > 0) {
    throw new OnnxDecodeError(
      `${ctx.source}: graph "${proto.name}" has sparse initializers, which the kit does not ` +
        `support; convert them to dense initializers before loading.`,
    );
  }
  return {
    name: proto.name ?? "",
    nodes: (proto.node ?? []).map((n) => decodeNode(n, ctx)),
    initializers: (proto.initializer ?? []).map((t) => decodeTensor(t, ctx, "initializer")),
    inputs: (proto.input ?? []).map(decodeValueInfo),
    outputs: (proto.output ?? []).map(decodeValueInfo),
    valueInfo: (proto.valueInfo ?? []).map(decodeValueInfo),
    ...(proto.docString ? { docString: proto.docString } : {}),
  };
}

function decodeNode(proto: INodeProto, ctx: Context): Node {
  const node: Node = {
    name: proto.name ?? "",
    opType: proto.opType ?? "",
    domain: proto.domain ?? "",
    inputs: [...(proto.input ?? [])],
    outputs: [...(proto.output ?? [])],
    attributes: {},
  };
  for (const a of proto.attribute ?? []) {
    node.attributes[a.name ?? ""] = decodeAttribute(a, node, ctx);
  }
  if (proto.docString) node.docString = proto.docString;
  return node;
}

const text = new TextDecoder();
const T = onnx.AttributeProto.AttributeType;

function decodeAttribute(a: IAttributeProto, node: Node, ctx: Context): AttributeValue {
  const where = `node "${node.name}" (${node.opType}), attribute "${a.name}"`;
  switch (a.type ?? inferAttributeType(a)) {
    case T.FLOAT:
      return { type: "float", value: a.f ?? 0 };
    case T.INT:
      return { type: "int", value: int64ToNumber(a.i) };
    case T.STRING:
      return { type: "string", value: text.decode(a.s ?? new Uint8Array()) };
    case T.TENSOR:
      return { type: "tensor", value: decodeTensor(a.t ?? {}, ctx, where) };
    case T.GRAPH:
      return { type: "graph", value: decodeGraph(a.g ?? {}, ctx) };
    case T.FLOATS:
      return { type: "floats", value: [...(a.floats ?? [])] };
    case T.INTS:
      return { type: "ints", value: (a.ints ?? []).map(int64ToNumber) };
    case T.STRINGS:
      return { type: "strings", value: (a.strings ?? []).map((s) => text.decode(s)) };
    case T.TENSORS:
      return { type: "tensors", value: (a.tensors ?? []).map((t) => decodeTensor(t, ctx, where)) };
    case T.GRAPHS:
      return { type: "graphs", value: (a.graphs ?? []).map((g) => decodeGraph(g, ctx)) };
    default:
      throw new OnnxDecodeError(
        `${ctx.source}: ${where} has type ${a.type}, which the kit does not support ` +
          `(sparse tensors and type protos); simplify the model before loading it.`,
      );
  }
}

/** Attributes of IR < 2 models carry no type; infer it from the field that is set. */
function inferAttributeType(a: IAttributeProto): number {
  if (a.t) return T.TENSOR;
  if (a.g) return T.GRAPH;
  if (a.s && a.s.length > 0) return T.STRING;
  if ((a.floats?.length ?? 0) > 0) return T.FLOATS;
  if ((a.ints?.length ?? 0) > 0) return T.INTS;
  if ((a.strings?.length ?? 0) > 0) return T.STRINGS;
  if ((a.tensors?.length ?? 0) > 0) return T.TENSORS;
  if ((a.graphs?.length ?? 0) > 0) return T.GRAPHS;
  if (a.f) return T.FLOAT;
  return T.INT;
}

function decodeValueInfo(proto: IValueInfoProto): ValueInfo {
  const tensorType = proto.type?.tensorType;
  const info: ValueInfo = { name: proto.name ?? "", elemType: tensorType?.elemType ?? 0 };
  if (tensorType?.shape) {
    info.shape = (tensorType.shape.dim ?? []).map((d): Dim => {
      if (d.dimValue !== null && d.dimValue !== undefined) return int64ToNumber(d.dimValue);
      if (d.dimParam) return d.dimParam;
      return null;
    });
  }
  if (proto.docString) info.docString = proto.docString;
  return info;
}

/**
 * Decodes one serialized `TensorProto` (e.g. the `input_0.pb` files of ONNX backend tests).
 * External data, if any, is looked up in `options.baseDir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, createTensor, decodeTensorProto, encodeTensorProto } from "./mod.ts";
 * const t = createTensor("x", DataType.INT8, [2], [-1, 7]);
 * assert.deepEqual(decodeTensorProto(encodeTensorProto(t)), t);
 * ```
 */
export function decodeTensorProto(bytes: Uint8Array, options: DecodeOptions = {}): Tensor {
  const source = options.source ?? "the given bytes";
  let proto: ITensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (error) {
    throw new OnnxDecodeError(
      `${source} is not a valid ONNX TensorProto (protobuf: ${(error as Error).message}); ${FIX}.`,
    );
  }
  const ctx: Context = {
    source,
    external: options.baseDir ? new ExternalDataReader(options.baseDir) : undefined,
  };
  try {
    return decodeTensor(proto, ctx, "serialized");
  } finally {
    ctx.external?.close();
  }
}

/** Decodes one TensorProto; `where` says where it sits, for error messages. */
function decodeTensor(proto: ITensorProto, ctx: Context, where: string): Tensor {
  const name = proto.name ?? "";
  const dataType = proto.dataType ?? 0;
  const label = `${ctx.source}: ${where} tensor "${name}"`;
  if (!isSupportedDataType(dataType)) {
    throw new OnnxDecodeError(
      `${label} has element type ${dataTypeName(dataType)}, which the kit does not support; ` +
        `only numeric and BOOL tensors can be loaded.`,
    );
  }
  const dims = (proto.dims ?? []).map(int64ToNumber);
  const count = shapeSize(dims);
  const bytes = count * dataTypeByteSize(dataType);
  const data = proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL
    ? fromBytes(readExternal(proto, ctx, name, bytes), dataType)
    : proto.rawData && proto.rawData.length > 0
    ? fromBytes(checkedRaw(proto.rawData, bytes, label), dataType)
    : fromTypedFields(proto, dataType, count, label);
  return { name, dataType, dims, data };
}

function checkedRaw(raw: Uint8Array, bytes: number, label: string): Uint8Array {
  if (raw.length !== bytes) {
    throw new OnnxDecodeError(
      `${label} has ${raw.length} bytes of raw_data, but its dims and type need ${bytes}; ` +
        `the file is damaged, ${FIX}.`,
    );
  }
  // Copy: the protobuf view may be unaligned and would pin the whole file's buffer.
  return raw.slice();
}

function fromBytes(bytes: Uint8Array, dataType: DataType) {
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer as ArrayBuffer
    : bytes.slice().buffer;
  switch (dataType) {
    case DataType.FLOAT:
      return new Float32Array(buffer);
    case DataType.DOUBLE:
      return new Float64Array(buffer);
    case DataType.INT8:
      return new Int8Array(buffer);
    case DataType.UINT8:
    case DataType.BOOL:
      return new Uint8Array(buffer);
    case DataType.INT16:
      return new Int16Array(buffer);
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return new Uint16Array(buffer);
    case DataType.INT32:
      return new Int32Array(buffer);
    case DataType.UINT32:
      return new Uint32Array(buffer);
    case DataType.INT64:
      return new BigInt64Array(buffer);
    case DataType.UINT64:
      return new BigUint64Array(buffer);
    default:
      throw new OnnxDecodeError(`Element type ${dataTypeName(dataType)} is not supported.`);
  }
}

function fromTypedFields(proto: ITensorProto, dataType: DataType, count: number, label: string) {
  const pick = <T extends { length: number }>(field: string, values: T | null | undefined): T => {
    const got = values?.length ?? 0;
    if (got !== count) {
      throw new OnnxDecodeError(
        `${label} has ${got} values in ${field}, but its dims [${proto.dims}] need ${count}; ` +
          `the file is damaged, ${FIX}.`,
      );
    }
    return values as T;
  };
  switch (dataType) {
    case DataType.FLOAT:
      return Float32Array.from(pick("float_data", proto.floatData));
    case DataType.DOUBLE:
      return Float64Array.from(pick("double_data", proto.doubleData));
    case DataType.INT32:
      return Int32Array.from(pick("int32_data", proto.int32Data));
    case DataType.INT8:
      return Int8Array.from(pick("int32_data", proto.int32Data));
    case DataType.UINT8:
    case DataType.BOOL:
      return Uint8Array.from(pick("int32_data", proto.int32Data));
    case DataType.INT16:
      return Int16Array.from(pick("int32_data", proto.int32Data));
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return Uint16Array.from(pick("int32_data", proto.int32Data));
    case DataType.INT64:
      return BigInt64Array.from(pick("int64_data", proto.int64Data), (v) => int64ToBigInt(v));
    case DataType.UINT32:
      return Uint32Array.from(pick("uint64_data", proto.uint64Data), (v) => int64ToNumber(v));
    case DataType.UINT64:
      return BigUint64Array.from(
        pick("uint64_data", proto.uint64Data),
        (v) => BigInt.asUintN(64, int64ToBigInt(v)),
      );
    default:
      throw new OnnxDecodeError(`${label}: element type ${dataTypeName(dataType)} unsupported.`);
  }
}

function readExternal(proto: ITensorProto, ctx: Context, name: string, bytes: number) {
  const entries = Object.fromEntries(
    (proto.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]),
  );
  const location = entries.location ?? "";
  if (!ctx.external) {
    throw new OnnxExternalDataError(
      `${ctx.source}: tensor "${name}" is stored in external file ${
        JSON.stringify(location)
      }; pass { baseDir } (the model's folder) to decodeModel, or use readModel(path).`,
    );
  }
  const ref: ExternalDataRef = {
    location,
    offset: entries.offset ? parseSize(entries.offset, name, "offset", ctx) : 0,
    length: entries.length ? parseSize(entries.length, name, "length", ctx) : undefined,
  };
  return ctx.external.read(name, ref, bytes);
}

function parseSize(value: string, name: string, key: string, ctx: Context): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new OnnxExternalDataError(
      `${ctx.source}: tensor "${name}" has external-data ${key} ${JSON.stringify(value)}, ` +
        `not a byte count; the model file is damaged, re-export it.`,
    );
  }
  return n;
}
