/**
 * The trained student as an ONNX model (the kit's DistilBERT builder on the student's state-dict
 * weights) plus its `config.json`, both written atomically, ready for ONNX Runtime and for the
 * other compression steps (quantization, graph optimisation).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../fs/atomic.ts";
import { type DistilBertConfig, toHubConfigJson } from "../model/config.ts";
import { buildDistilBertGraph, type DistilBertGraphOptions } from "../model/distilbert_graph.ts";
import type { WeightMap } from "../model/weights.ts";
import { modelSizeOnDisk, writeModel } from "../onnx/mod.ts";
import { batchFeeds, createSession, type SessionOptions } from "../runtime/mod.ts";
import type { ModelInputs, TfDistilBert } from "../train/mod.ts";

/** What {@link exportStudent} wrote. */
export interface ExportedStudent {
  /** The `.onnx` file. */
  path: string;
  /** `config.json` beside it. */
  configPath: string;
  /** Bytes on disk (model plus external data). */
  sizeBytes: number;
  config: DistilBertConfig;
}

/** Options of {@link exportStudent}. */
export interface ExportStudentOptions extends DistilBertGraphOptions {
  /** Also write `config.json` beside the model (default true). */
  writeConfig?: boolean;
}

/**
 * Exports a student — a trained `TfDistilBert`, or a config and weight map — to `path`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { readModel } from "../onnx/mod.ts";
 * import { exportStudent } from "./export_student.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 4, nLayers: 1, nHeads: 2, hiddenDim: 8, maxPositionEmbeddings: 8 };
 * const path = `${await Deno.makeTempDir()}/student/model.onnx`;
 * const out = await exportStudent({ config, weights: randomDistilBertWeights(config, { seed: 1 }) }, path);
 * assert.ok(out.sizeBytes > 0);
 * assert.equal((await readModel(path)).graph.outputs[0].name, "logits");
 * ```
 */
export async function exportStudent(
  student: TfDistilBert | { config: DistilBertConfig; weights: WeightMap },
  path: string,
  options: ExportStudentOptions = {},
): Promise<ExportedStudent> {
  const config = student.config;
  const weights = "weights" in student ? student.weights : student.toWeightMap();
  const { writeConfig = true, ...graphOptions } = options;
  const model = buildDistilBertGraph(config, weights, { name: "student", ...graphOptions });
  await writeModel(path, model);
  const configPath = join(dirname(path), "config.json");
  if (writeConfig) {
    await writeFileAtomic(configPath, JSON.stringify(toHubConfigJson(config), null, 2) + "\n");
  }
  return { path, configPath, sizeBytes: await modelSizeOnDisk(path), config };
}

/** What {@link exportParity} measured. */
export interface ExportParity {
  /** Largest `|tfjs − ORT|` over all logits. */
  maxAbsError: number;
  rows: number;
}

/**
 * Runs the exported model in ONNX Runtime and the tfjs model on the same batches and returns the
 * largest logit difference (a faithful export gives < 1e-4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { TfDistilBert } from "../train/mod.ts";
 * import { exportParity, exportStudent } from "./export_student.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 4, nLayers: 1, nHeads: 2, hiddenDim: 8, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const { path } = await exportStudent(model, `${await Deno.makeTempDir()}/model.onnx`);
 * const batch = { size: 1, seqLen: 3, inputIds: new BigInt64Array([2n, 7n, 3n]), attentionMask: new BigInt64Array([1n, 1n, 1n]) };
 * const parity = await exportParity(model, path, [batch]);
 * assert.ok(parity.maxAbsError < 1e-4);
 * model.dispose();
 * ```
 */
export async function exportParity(
  model: TfDistilBert,
  path: string,
  batches: readonly ModelInputs[],
  session: SessionOptions = {},
): Promise<ExportParity> {
  const ort = await createSession(path, session);
  let maxAbsError = 0;
  let rows = 0;
  try {
    for (const batch of batches) {
      const feeds = batchFeeds({
        batch: {
          size: batch.size,
          seqLen: batch.seqLen,
          inputIds: toBigInt64(batch.inputIds),
          attentionMask: toBigInt64(batch.attentionMask),
        },
        inputNames: ort.inputNames,
      });
      const out = await ort.session.run(feeds);
      const theirs = out[ort.outputNames[0]].data as Float32Array;
      const ours = model.predict(batch);
      for (let i = 0; i < ours.length; i++) {
        maxAbsError = Math.max(maxAbsError, Math.abs(ours[i] - theirs[i]));
      }
      rows += batch.size;
    }
  } finally {
    await ort.session.release();
  }
  return { maxAbsError, rows };
}

function toBigInt64(values: ModelInputs["inputIds"]): BigInt64Array {
  if (values instanceof BigInt64Array) return values;
  return BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
}
