/**
 * The files beside an `.onnx` file that it needs: the external-data locations its tensors name,
 * so a model folder can be copied whole.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { dirname, normalize } from "node:path";
import { type IGraphProto, type ITensorProto, onnx } from "./_proto.ts";
import { OnnxDecodeError } from "./errors.ts";
import { resolveExternalDataPath } from "./external_data.ts";

function collectGraph(graph: IGraphProto | null | undefined, found: Map<string, string>): void {
  if (!graph) return;
  for (const tensor of graph.initializer ?? []) addTensor(tensor, found);
  for (const sparse of graph.sparseInitializer ?? []) {
    addTensor(sparse.values, found);
    addTensor(sparse.indices, found);
  }
  for (const node of graph.node ?? []) {
    for (const attribute of node.attribute ?? []) {
      addTensor(attribute.t, found);
      for (const tensor of attribute.tensors ?? []) addTensor(tensor, found);
      collectGraph(attribute.g, found);
      for (const sub of attribute.graphs ?? []) collectGraph(sub, found);
    }
  }
}

function addTensor(tensor: ITensorProto | null | undefined, found: Map<string, string>): void {
  if (tensor?.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
  const location = tensor.externalData?.find((e) => e.key === "location")?.value ?? "";
  if (!found.has(location)) found.set(location, tensor.name ?? "");
}

/**
 * The external-data locations the tensors of an encoded ONNX model name, in order of first use,
 * as written (unchecked: a loader checks them before fetching anything, {@link externalDataFiles}
 * checks them against a folder). Tensor data is not read; bytes that are not ONNX raise
 * `OnnxDecodeError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, encodeModel, externalDataLocations, GraphBuilder } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * b.initializer("w", DataType.FLOAT, [2], [1, 2]);
 * assert.deepEqual(externalDataLocations(encodeModel(createModel(b.build()))), []);
 * ```
 */
export function externalDataLocations(bytes: Uint8Array, source = "the model"): string[] {
  return [...tensorsByLocation(bytes, source).keys()];
}

/** Location → the first tensor stored there. */
function tensorsByLocation(bytes: Uint8Array, source: string): Map<string, string> {
  let graph: IGraphProto | null | undefined;
  try {
    graph = onnx.ModelProto.decode(bytes).graph;
  } catch (error) {
    throw new OnnxDecodeError(
      `${source} is not a valid ONNX model (protobuf: ${(error as Error).message}); re-download ` +
        `or re-export it.`,
    );
  }
  const found = new Map<string, string>();
  collectGraph(graph, found);
  return found;
}

/**
 * The external-data files of the model at `path`, relative to its folder, in order of first use
 * (empty for a self-contained model). Each location is checked to stay inside the model's folder
 * and to exist (`OnnxExternalDataError` names the tensor and the fix otherwise); bytes that are
 * not ONNX raise `OnnxDecodeError`. Tensor data is not read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataType, GraphBuilder, createModel, externalDataFiles, writeModel } from "./mod.ts";
 * const b = new GraphBuilder("g");
 * b.initializer("w", DataType.FLOAT, [1024], new Float32Array(1024));
 * const path = `${await Deno.makeTempDir()}/model.onnx`;
 * await writeModel(path, createModel(b.build()), { externalData: true });
 * assert.deepEqual(await externalDataFiles(path), ["model.onnx_data"]);
 * ```
 */
export async function externalDataFiles(path: string): Promise<string[]> {
  const bytes = await readFile(path);
  const base = dirname(path);
  return [...tensorsByLocation(bytes, path)].map(([location, tensor]) => {
    resolveExternalDataPath(base, location, tensor);
    return normalize(location);
  });
}
