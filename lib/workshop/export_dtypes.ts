/**
 * Every transformers.js dtype of one classifier, from one call: the files `@huggingface/transformers`
 * picks by `dtype` (its `DEFAULT_DTYPE_SUFFIX_MAPPING`: `model{suffix}.onnx` under `onnx/`),
 * written in hub layout beside `config.json` and the tokenizer, each scored on MRPC validation
 * and listed in a `README.md` model card. What each dtype holds:
 *
 * | dtype   | file                   | what                                                        |
 * | ------- | ---------------------- | ----------------------------------------------------------- |
 * | `fp32`  | `model.onnx`           | the FP32 model                                              |
 * | `fp16`  | `model_fp16.onnx`      | float16 weights and compute, float32 inputs/outputs          |
 * | `q8`    | `model_quantized.onnx` | dynamic INT8: the kit's default (int8 per-channel weights)   |
 * | `int8`  | `model_int8.onnx`      | dynamic INT8, int8 per-tensor weights (ORT's QInt8 default)  |
 * | `uint8` | `model_uint8.onnx`     | dynamic INT8, uint8 per-tensor weights (ORT's QUInt8)        |
 * | `q4`    | `model_q4.onnx`        | `MatMulNBits` 4-bit block 32 + 4-bit `GatherBlockQuantized`  |
 * | `q4f16` | `model_q4f16.onnx`     | the fp16 model with the same 4-bit weights, float16 scales   |
 * | `bnb4`  | `model_bnb4.onnx`      | `MatMulBnb4` NF4 block 64, embeddings float                  |
 *
 * A dtype that cannot be made (nothing to quantize, a conversion error, a file ONNX Runtime cannot
 * run) is reported with the reason instead of written.
 *
 * @module
 */

import { join } from "node:path";
import type { HubSettings } from "../hub/mod.ts";
import { prepareMrpc } from "../data/mod.ts";
import { encodeModel, type Model } from "../onnx/mod.ts";
import { createSession } from "../runtime/mod.ts";
import { quantizeDynamic, type QuantizeResult, quantizeWeightOnly } from "../quant/mod.ts";
import { convertToMixedPrecision } from "../mixed/mod.ts";
import { evaluateVariant, latencyProfile } from "../eval/mod.ts";
import type { VariantResult } from "../report/mod.ts";
import { writeFileAtomic } from "../fs/atomic.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { writeHubLayout } from "./hub_layout.ts";
import { type Fp32Model, loadFp32Model } from "./loaders.ts";

/** The dtypes transformers.js loads, in the order the kit writes them. */
export const EXPORT_DTYPES = [
  "fp32",
  "fp16",
  "q8",
  "int8",
  "uint8",
  "q4",
  "q4f16",
  "bnb4",
] as const;

/** One of {@link EXPORT_DTYPES}. */
export type ExportDtype = typeof EXPORT_DTYPES[number];

/** The file transformers.js reads under `onnx/` for each dtype. */
export const DTYPE_FILES: Readonly<Record<ExportDtype, string>> = {
  fp32: "model.onnx",
  fp16: "model_fp16.onnx",
  q8: "model_quantized.onnx",
  int8: "model_int8.onnx",
  uint8: "model_uint8.onnx",
  q4: "model_q4.onnx",
  q4f16: "model_q4f16.onnx",
  bnb4: "model_bnb4.onnx",
};

/** A dtype that cannot be made for this model; the message says why. */
export class DtypeUnavailableError extends Error {
  override name = "DtypeUnavailableError";
}

/** A dtype list that names an unknown dtype. */
export class ExportDtypesError extends Error {
  override name = "ExportDtypesError";
}

/**
 * Parses `--dtypes`: a comma-separated list of {@link EXPORT_DTYPES}, or `all`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDtypes } from "./export_dtypes.ts";
 * assert.deepEqual(parseDtypes("q4, fp16"), ["q4", "fp16"]);
 * assert.equal(parseDtypes("all").length, 8);
 * assert.throws(() => parseDtypes("q3"), /q3/);
 * ```
 */
export function parseDtypes(list: string): ExportDtype[] {
  if (list.trim() === "all") return [...EXPORT_DTYPES];
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(EXPORT_DTYPES as readonly string[]).includes(n)) {
      throw new ExportDtypesError(
        `dtype "${n}" is not one transformers.js loads; use ${EXPORT_DTYPES.join(", ")} or all.`,
      );
    }
  }
  if (names.length === 0) throw new ExportDtypesError("--dtypes is empty; give a list or all.");
  return [...new Set(names)] as ExportDtype[];
}

function quantized(result: QuantizeResult, what: string): Model {
  if (result.report.counts.quantized === 0) {
    const reasons = [...new Set(result.report.nodes.map((n) => "reason" in n ? n.reason : ""))]
      .filter(Boolean);
    throw new DtypeUnavailableError(
      `no ${what} could be quantized${reasons.length ? ` (${reasons.join("; ")})` : ""}.`,
    );
  }
  return result.model;
}

function fp16(model: Model): Model {
  return convertToMixedPrecision(model, { target: "fp16" }).model;
}

/**
 * The model of one dtype made from the FP32 model (which is not changed). Throws
 * {@link DtypeUnavailableError} when it cannot be made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { buildDtypeModel } from "./export_dtypes.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 32]);
 * const w = b.initializer("fc.weight", DataType.FLOAT, [32, 2], Array.from({ length: 64 }, (_, i) => Math.sin(i)));
 * b.output(b.op("MatMul", [x, w]), DataType.FLOAT, ["n", 2], { rename: "logits" });
 * const q4 = buildDtypeModel(createModel(b.build()), "q4");
 * assert.ok(q4.graph.nodes.some((n) => n.opType === "MatMulNBits"));
 * ```
 */
export function buildDtypeModel(fp32: Model, dtype: ExportDtype): Model {
  switch (dtype) {
    case "fp32":
      return fp32;
    case "fp16":
      return fp16(fp32);
    case "q8":
      return quantized(quantizeDynamic(fp32), "linear layer");
    case "int8":
      return quantized(quantizeDynamic(fp32, { weightType: "int8", perChannel: false }), "layer");
    case "uint8":
      return quantized(quantizeDynamic(fp32, { weightType: "uint8", perChannel: false }), "layer");
    case "q4":
      return quantized(
        quantizeWeightOnly(fp32, { bits: 4, blockSize: 32, embeddings: "q4" }),
        "MatMul",
      );
    case "q4f16":
      return quantized(
        quantizeWeightOnly(fp16(fp32), { bits: 4, blockSize: 32, embeddings: "q4" }),
        "MatMul",
      );
    case "bnb4":
      return quantized(
        quantizeWeightOnly(fp32, { format: "bnb4", bnb4: { blockSize: 64, quantType: "nf4" } }),
        "MatMul",
      );
  }
}

/** One dtype of an export: its scores, or why it was not written. */
export type DtypeRow =
  | { dtype: ExportDtype; file: string; written: true; result: VariantResult }
  | { dtype: ExportDtype; file: string; written: false; reason: string };

/** Options of {@link exportDtypes}. */
export interface ExportDtypesOptions {
  modelId: string;
  revision?: string;
  dtypes: readonly ExportDtype[];
  /** Folder to write (hub layout). */
  out: string;
  /** The FP32 model when already loaded (else loaded by `modelId`). */
  fp32?: Fp32Model;
  settings?: HubSettings;
  /** Quick latency profile (default: `WORKSHOP_QUICK`). */
  quick?: boolean;
  /** Validation pairs to score on (default all 408). */
  limit?: number;
  progress?: ProgressOption;
}

/** What {@link exportDtypes} wrote. */
export interface ExportedDtypes {
  dir: string;
  rows: DtypeRow[];
  /** The model card's text (also written as `README.md`). */
  card: string;
}

/**
 * Writes the chosen dtypes of `modelId` in hub layout under `out` and scores each written file
 * on MRPC validation against the FP32 model (accuracy, F1, agreement, size, b1/b8 latency), then
 * writes the `README.md` model card.
 *
 * @example
 * ```ts ignore
 * const { rows } = await exportDtypes({ modelId, dtypes: ["q8", "q4"], out: "out/mini" });
 * ```
 */
export async function exportDtypes(options: ExportDtypesOptions): Promise<ExportedDtypes> {
  const common = { settings: options.settings, progress: options.progress ?? false };
  const fp32 = options.fp32 ??
    await loadFp32Model({ modelId: options.modelId, revision: options.revision, ...common });
  const models: Record<string, Model> = {};
  const rows: DtypeRow[] = [];
  const failed = new Map<ExportDtype, string>();
  for (const dtype of options.dtypes) {
    try {
      const model = buildDtypeModel(fp32.model, dtype);
      await checkRuns(model, dtype);
      models[DTYPE_FILES[dtype]] = model;
    } catch (error) {
      if (!(error instanceof DtypeUnavailableError)) throw error;
      failed.set(dtype, error.message);
    }
  }
  const { dir } = await writeHubLayout({
    dir: options.out,
    modelId: options.modelId,
    revision: options.revision,
    settings: options.settings,
    onnx: models,
  });
  const validation = await prepareMrpc("validation", {
    modelId: options.modelId,
    revision: options.revision,
    batchSize: 16,
    limit: options.limit,
    ...common,
  });
  const latency = latencyProfile(options.quick ?? workshopSettings().quick);
  const vocabSize = fp32.classifier.config.vocabSize;
  const reference = await evaluateVariant({
    name: "fp32",
    path: fp32.classifier.path,
    batches: validation.batches,
    vocabSize,
    latency,
  });
  for (const dtype of options.dtypes) {
    const file = DTYPE_FILES[dtype];
    const reason = failed.get(dtype);
    if (reason !== undefined) {
      rows.push({ dtype, file, written: false, reason });
      continue;
    }
    const scored = await evaluateVariant({
      name: dtype,
      path: join(dir, "onnx", file),
      batches: validation.batches,
      vocabSize,
      reference: reference.evaluation,
      latency,
    });
    rows.push({ dtype, file, written: true, result: scored.result });
  }
  const card = modelCard({
    modelId: options.modelId,
    rows,
    fp32: reference.result,
    pairs: validation.rows.length,
  });
  await writeFileAtomic(join(dir, "README.md"), card);
  return { dir, rows, card };
}

/** Refuses a model ONNX Runtime cannot load (a missing kernel for a contrib op or type). */
async function checkRuns(model: Model, dtype: ExportDtype): Promise<void> {
  try {
    const session = await createSession(encodeModel(model), { intraOpThreads: 1 });
    await session.session.release();
  } catch (error) {
    throw new DtypeUnavailableError(
      `ONNX Runtime cannot load the ${dtype} model: ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

/**
 * The model card: one row per dtype — accuracy, F1, agreement with FP32, size (and share of
 * FP32's), median latency at batch 1 and 8 — or why the dtype was not written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelCard } from "./export_dtypes.ts";
 * const fp32 = { name: "fp32", accuracy: 0.8, f1: 0.85, agreement: 1, maxAbsLogitError: 0,
 *   latencyMs: { b1: 10, b8: 40 }, sizeBytes: 4e6, path: "m.onnx" };
 * const card = modelCard({ modelId: "org/m", pairs: 408, fp32, rows: [
 *   { dtype: "q4", file: "model_q4.onnx", written: true, result: { ...fp32, name: "q4", sizeBytes: 6e5 } },
 *   { dtype: "bnb4", file: "model_bnb4.onnx", written: false, reason: "no MatMul could be quantized." },
 * ] });
 * assert.match(card, /\| q4 \| `onnx\/model_q4.onnx` \| 0.8000 \| 0.8500 \| 100.00% \| 0.6 MB \(15.0%\)/);
 * assert.match(card, /bnb4.*not written: no MatMul/);
 * ```
 */
export function modelCard(o: {
  modelId: string;
  rows: readonly DtypeRow[];
  fp32: VariantResult;
  pairs: number;
}): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const lines = [
    "---",
    "library_name: transformers.js",
    `base_model: ${o.modelId}`,
    "pipeline_tag: text-classification",
    "---",
    "",
    `# ${o.modelId} — ONNX dtypes for transformers.js`,
    "",
    'Load one with `pipeline("text-classification", id, { dtype })`. Scored on GLUE MRPC ' +
    `validation (${o.pairs} pairs); agreement = share of pairs predicted as the FP32 model does; ` +
    "latency = median ms per batch at sequence 128 with ONNX Runtime (CPU).",
    "",
    "| dtype | file | accuracy | F1 | agreement with FP32 | size | b1 ms | b8 ms |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of o.rows) {
    if (!row.written) {
      lines.push(`| ${row.dtype} | not written: ${row.reason.replaceAll("|", "/")} | | | | | | |`);
      continue;
    }
    const r = row.result;
    const share = (100 * r.sizeBytes / o.fp32.sizeBytes).toFixed(1);
    lines.push(
      `| ${row.dtype} | \`onnx/${row.file}\` | ${r.accuracy.toFixed(4)} | ${r.f1.toFixed(4)} | ` +
        `${(100 * (r.agreement ?? 1)).toFixed(2)}% | ${mb(r.sizeBytes)} (${share}%) | ` +
        `${r.latencyMs.b1.toFixed(2)} | ${r.latencyMs.b8.toFixed(2)} |`,
    );
  }
  return lines.join("\n") + "\n";
}
