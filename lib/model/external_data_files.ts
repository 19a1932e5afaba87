/**
 * The external-data files an ONNX model refers to, read from the model's own tensors
 * (`TensorProto.external_data` entries with key `location`) without decoding the weights, so a
 * loader fetches exactly what the model needs — `model.onnx_data`, `model.onnx.data` or any other
 * name the exporter chose.
 *
 * @module
 */

/** One protobuf field of a message: its number, wire type and, for bytes, where they are. */
interface Field {
  number: number;
  wire: number;
  start: number;
  end: number;
}

function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    value += (bytes[i] & 0x7f) * scale;
    scale *= 128;
    if ((bytes[i] & 0x80) === 0) return [value, i + 1];
  }
  throw new RangeError(`protobuf varint at byte ${at} is cut off`);
}

/** The fields of the message in `bytes[start, end)`. */
function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  while (at < end) {
    const [tag, afterTag] = readVarint(bytes, at);
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      at = readVarint(bytes, afterTag)[1];
      continue;
    }
    if (wire === 1) at = afterTag + 8;
    else if (wire === 5) at = afterTag + 4;
    else if (wire === 2) {
      const [length, afterLength] = readVarint(bytes, afterTag);
      at = afterLength + length;
      if (at > end) throw new RangeError(`protobuf field ${number} runs past its message`);
      yield { number, wire, start: afterLength, end: at };
      continue;
    } else throw new RangeError(`protobuf wire type ${wire} at byte ${at}`);
  }
}

function children(bytes: Uint8Array, message: Field, numbers: number[]): Field[] {
  return [...fields(bytes, message.start, message.end)].filter((f) =>
    f.wire === 2 && numbers.includes(f.number)
  );
}

const decoder = new TextDecoder();

function tensorLocation(bytes: Uint8Array, tensor: Field): string | undefined {
  for (const entry of children(bytes, tensor, [13])) { // external_data
    let key: string | undefined;
    let value: string | undefined;
    for (const part of children(bytes, entry, [1, 2])) {
      const text = decoder.decode(bytes.subarray(part.start, part.end));
      if (part.number === 1) key = text;
      else value = text;
    }
    if (key === "location" && value !== undefined) return value;
  }
  return undefined;
}

function collectGraph(bytes: Uint8Array, graph: Field, found: Set<string>): void {
  for (const field of children(bytes, graph, [1, 5, 15])) {
    if (field.number === 5) addTensor(bytes, field, found); // initializer
    else if (field.number === 15) { // sparse_initializer: values, indices
      for (const part of children(bytes, field, [1, 2])) addTensor(bytes, part, found);
    } else collectNode(bytes, field, found); // node
  }
}

function collectNode(bytes: Uint8Array, node: Field, found: Set<string>): void {
  for (const attribute of children(bytes, node, [5])) {
    for (const value of children(bytes, attribute, [5, 6, 10, 11])) {
      if (value.number === 5 || value.number === 10) addTensor(bytes, value, found); // t, tensors
      else collectGraph(bytes, value, found); // g, graphs
    }
  }
}

function addTensor(bytes: Uint8Array, tensor: Field, found: Set<string>): void {
  const location = tensorLocation(bytes, tensor);
  if (location !== undefined) found.add(location);
}

/**
 * The distinct external-data locations (as written in the model, relative to its folder) of an
 * encoded ONNX model: initializers, sparse initializers, constant attributes and subgraphs, in
 * order of first use. Throws `RangeError` for bytes that are not a whole protobuf message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { externalDataLocations } from "./external_data_files.ts";
 * // ModelProto { graph { initializer { external_data { key: "location" value: "w.bin" } } } }
 * const entry = [0x0a, 8, ...new TextEncoder().encode("location"), 0x12, 5, ...new TextEncoder().encode("w.bin")];
 * const tensor = [0x6a, entry.length, ...entry];
 * const graph = [0x2a, tensor.length, ...tensor];
 * const model = new Uint8Array([0x08, 7, 0x3a, graph.length, ...graph]);
 * assert.deepEqual(externalDataLocations(model), ["w.bin"]);
 * ```
 */
export function externalDataLocations(bytes: Uint8Array): string[] {
  const found = new Set<string>();
  const whole: Field = { number: 0, wire: 2, start: 0, end: bytes.length };
  for (const field of children(bytes, whole, [7, 25])) {
    if (field.number === 7) collectGraph(bytes, field, found); // graph
    else { // functions: node = 7
      for (const node of children(bytes, field, [7])) collectNode(bytes, node, found);
    }
  }
  return [...found];
}
