/**
 * The error atlas: for every matched tensor of a compressed variant, the SQNR of its *local*
 * error (the variant's nodes that compute it, fed the FP32 values of the tensors before them)
 * and of its *propagated* error (the whole variant run from the model inputs), along the depth
 * of the network, with the SQNR of the weight its layer reads.
 *
 * @module
 */

import type * as ort from "onnxruntime-node";
import { DataType, encodeModel, type Model } from "../onnx/mod.ts";
import { createSession, type ModelSession, type SessionOptions } from "../runtime/mod.ts";
import { calibrationFeeds, type CalibrationInput } from "../quant/mod.ts";
import { BF16_MAX, FP16_MAX } from "../mixed/mod.ts";
import { JUPYTER_DISPLAY, type MimeBundle, type Table } from "../display/mod.ts";
import { SqnrAccumulator } from "./sqnr.ts";
import { type MatchedTensor, matchTensors, type MatchTensorsOptions } from "./tensor_match.ts";
import { cutModel, probeModel, type ProbeTensor } from "./probe_models.ts";
import { weightErrors } from "./weight_sqnr.ts";
import { atlasDepthFigure, atlasTable } from "./figures.ts";

/** The atlas could not be built; the message names what and the fix. */
export class AtlasError extends Error {
  override name = "AtlasError";
}

/** Options of {@link errorAtlas}. */
export interface ErrorAtlasOptions extends MatchTensorsOptions {
  /** The FP32 model. */
  fp32: Model;
  /** The compressed variant, any format. */
  variant: Model;
  /** Its name in tables (default "variant"). */
  name?: string;
  /** The data: token batches or ready feeds (validation or calibration batches). */
  inputs: Iterable<CalibrationInput>;
  /** Use at most this many rows (default 32): SQNR settles after a few batches. */
  rows?: number;
  /** How ONNX Runtime runs the three models (default: createSession's). */
  session?: SessionOptions;
}

/** One tensor of the atlas. */
export interface AtlasEntry extends MatchedTensor {
  /** SQNR (dB) of the variant's nodes that compute it, fed FP32 inputs: its own error. */
  local: number;
  /** SQNR (dB) in the whole variant: its own error plus everything before it. */
  propagated: number;
  /** SQNR (dB) of the weight its layer reads, when it has one. */
  weightSqnr?: number;
  /** Largest |FP32 − variant| in the whole variant. */
  maxAbsError: number;
  /**
   * Values beyond the variant's FP16/BF16 range that it holds saturated (its extreme of the same
   * sign, or ±Infinity), left out of the SQNRs — e.g. masked attention scores, float32's lowest
   * value in FP32; counted in the whole variant's run.
   */
  saturated: number;
}

/**
 * A matched tensor the atlas left out because the variant computes it in another shape: a
 * structurally pruned layer (fewer FFN units or heads) or a narrower student keeps the FP32 name
 * but not the size, so its values cannot be compared element by element.
 */
export interface SkippedTensor {
  /** The tensor's name (the same in both graphs). */
  name: string;
  /** Its layer's name, as in the entries. */
  label: string;
  /** Its shape in the FP32 model and in the variant, on the first batch. */
  fp32Shape: number[];
  variantShape: number[];
}

/** An atlas as plain data (JSON): what reports and figures read. dB values are null when exact. */
export interface AtlasSummary {
  variant: string;
  rows: number;
  /** SQNR (dB) of the model output (the last graph output) in the whole variant. */
  outputSqnr: number | null;
  entries: {
    label: string;
    tensor: string;
    opType: string;
    layer?: number;
    position: number;
    local: number | null;
    propagated: number | null;
    weight: number | null;
    compressedNode?: string;
    /** Saturated values left out (only when there were any). */
    saturated?: number;
  }[];
  /** Matched tensors left out because their shapes differ (present only when there are some). */
  skipped?: { label: string; tensor: string; fp32Shape: number[]; variantShape: number[] }[];
}

/**
 * Builds the atlas of `variant` against `fp32` on `inputs`: three ONNX Runtime runs per batch
 * (FP32 and the variant with the matched tensors as extra outputs, then the variant cut at them
 * and fed FP32's values).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as ort from "onnxruntime-node";
 * import { createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { quantizeDynamic } from "../quant/mod.ts";
 * import { errorAtlas } from "./error_atlas.ts";
 * const b = new GraphBuilder("g");
 * const x = b.input("x", DataType.FLOAT, ["n", 4]);
 * const w = (name: string) => b.initializer(name, DataType.FLOAT, [4, 4], Array.from({ length: 16 }, (_, i) => Math.sin(i + name.length)));
 * const h = b.op("MatMul", [x, w("fc1.weight")]);
 * b.output(b.op("MatMul", [h, w("fc2.weight")]), DataType.FLOAT, ["n", 4], { rename: "y" });
 * const fp32 = createModel(b.build());
 * const feeds = [{ x: new ort.Tensor("float32", Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)), [8, 4]) }];
 * const atlas = await errorAtlas({ fp32, variant: quantizeDynamic(fp32).model, inputs: feeds });
 * assert.deepEqual(atlas.entries.map((e) => e.label), ["fc1", "fc2"]);
 * const [first, last] = atlas.entries;
 * assert.equal(first.local, first.propagated); // nothing before the first layer
 * assert.ok(last.propagated < last.local + 0.5, "errors add up along the depth");
 * ```
 */
export async function errorAtlas(options: ErrorAtlasOptions): Promise<ErrorAtlas> {
  const { fp32, variant } = options;
  const matched = matchTensors(fp32, variant, options);
  if (matched.length === 0) {
    throw new AtlasError(
      `no tensor of ${options.name ?? "the variant"} matches the FP32 model by name: the atlas ` +
        `compares values the variant keeps under their FP32 names (see lib/atlas/tensor_match.ts); ` +
        `pass tensors: [...] to name them, or make the variant from this FP32 model.`,
    );
  }
  const inputs = [...options.inputs];
  const limit = options.rows ?? 32;
  const fp32Probe = probeModel(fp32, matched.map((t) => ({ name: t.name, type: DataType.FLOAT })));
  const variantProbe = probeModel(
    variant,
    matched.map((t) => ({ name: t.name, type: t.variantType })),
  );
  const local = new Map(matched.map((t) => [t.name, new SqnrAccumulator()]));
  const propagated = new Map(matched.map((t) => [t.name, new SqnrAccumulator()]));
  const sessions: ModelSession[] = [];
  const open = async (model: Model) => {
    const s = await createSession(encodeModel(model), options.session);
    sessions.push(s);
    return s;
  };
  try {
    const [a, b] = [await open(fp32Probe.model), await open(variantProbe.model)];
    let cut: { session: ModelSession; inputs: Map<string, string>; outputs: Map<string, string> };
    let kept: MatchedTensor[] = matched;
    const skipped: SkippedTensor[] = [];
    let rows = 0;
    for (const input of inputs) {
      if (rows >= limit) break;
      const feeds = (s: ModelSession, skip: ReadonlySet<string> = new Set()) =>
        calibrationFeeds(input, s.inputNames.filter((n) => !skip.has(n)), {
          limit: limit - rows,
        });
      const reference = await a.session.run(feeds(a));
      const whole = await b.session.run(feeds(b));
      const value = (
        out: ort.InferenceSession.ReturnType,
        name: string,
        map: Map<string, string>,
      ) => out[map.get(name)!].data as Float32Array;
      if (rows === 0) {
        kept = [];
        for (const t of matched) {
          const fp32Shape = reference[fp32Probe.outputs.get(t.name)!].dims.map(Number);
          const variantShape = whole[variantProbe.outputs.get(t.name)!].dims.map(Number);
          if (fp32Shape.join() === variantShape.join()) kept.push(t);
          else skipped.push({ name: t.name, label: t.label, fp32Shape, variantShape });
        }
        if (kept.length === 0) {
          throw new AtlasError(
            `every tensor of ${options.name ?? "the variant"} that matches the FP32 model by ` +
              `name has another shape (e.g. ${skipped[0].label}: ${skipped[0].fp32Shape} in ` +
              `FP32, ${skipped[0].variantShape} in the variant): there is nothing to compare ` +
              `element by element; pass tensors: [...] that keep their shape.`,
          );
        }
        const built = cutModel(
          variant,
          kept.map((t): ProbeTensor => ({ name: t.name, type: t.variantType })),
        );
        cut = { session: await open(built.model), inputs: built.inputs, outputs: built.outputs };
      }
      const cutFeeds = feeds(cut!.session, new Set(cut!.inputs.values()));
      for (const [tensor, inputName] of cut!.inputs) {
        if (cut!.session.inputNames.includes(inputName)) {
          cutFeeds[inputName] = reference[fp32Probe.outputs.get(tensor)!];
        }
      }
      const alone = await cut!.session.session.run(cutFeeds);
      for (const t of kept) {
        const x = value(reference, t.name, fp32Probe.outputs);
        const range = { range: FORMAT_RANGE.get(t.variantType) };
        propagated.get(t.name)!.add(x, value(whole, t.name, variantProbe.outputs), t.name, range);
        local.get(t.name)!.add(x, value(alone, t.name, cut!.outputs), t.name, range);
      }
      rows += Number(Object.values(reference)[0].dims[0] ?? 1);
    }
    if (rows === 0) {
      throw new AtlasError("the atlas got no inputs: pass at least one batch as inputs.");
    }
    const weights = new Map(
      weightErrors(fp32, variant, kept.flatMap((t) => t.weight ? [t.weight] : []))
        .map((w) => [w.weight, w.sqnr]),
    );
    const entries = kept.map((t): AtlasEntry => ({
      ...t,
      local: local.get(t.name)!.db,
      propagated: propagated.get(t.name)!.db,
      maxAbsError: propagated.get(t.name)!.maxAbsError,
      saturated: propagated.get(t.name)!.saturated,
      ...(t.weight && weights.has(t.weight) ? { weightSqnr: weights.get(t.weight) } : {}),
    }));
    return new ErrorAtlas({ ...options, inputs }, entries, rows, skipped);
  } finally {
    for (const s of sessions) await s.session.release();
  }
}

/** Options of {@link ErrorAtlas.rerunWithout}. */
export interface RerunOptions {
  /** How many of the worst layers (by local SQNR) to leave uncompressed (default 3). */
  k?: number;
  /**
   * Makes the variant again, leaving these FP32 nodes uncompressed, e.g.
   * `(excludeNodes) => quantizeStatic(fp32, calibration, { excludeNodes }).model`.
   */
  recompress(excludeNodes: string[]): Model | Promise<Model>;
}

/** The atlas of a variant: entries in depth order, ranked views, figures, and the re-run. */
export class ErrorAtlas {
  readonly #options: ErrorAtlasOptions;

  constructor(
    options: ErrorAtlasOptions,
    /** Every tensor, in FP32 topological order. */
    readonly entries: readonly AtlasEntry[],
    /** Rows the SQNRs were measured on. */
    readonly rows: number,
    /**
     * Matched tensors left out because the variant computes them in another shape (structured
     * pruning, a narrower student), so a reader knows what the atlas does not cover.
     */
    readonly skipped: readonly SkippedTensor[] = [],
  ) {
    this.#options = options;
  }

  /** The variant's name. */
  get name(): string {
    return this.#options.name ?? "variant";
  }

  /** Entries worst first: lowest local SQNR (the error that tensor's own nodes add). */
  ranked(): AtlasEntry[] {
    return [...this.entries].sort((a, b) => a.local - b.local || a.position - b.position);
  }

  /** The `k` worst entries that a compression call can leave out (they have a node to exclude). */
  worst(k: number): AtlasEntry[] {
    return this.ranked().filter((e) => e.compressedNode && Number.isFinite(e.local)).slice(0, k);
  }

  /** SQNR (dB) of the model's output in the whole variant (the last graph output). */
  get outputSqnr(): number {
    const output = this.#options.fp32.graph.outputs.at(-1)?.name;
    return this.entries.find((e) => e.name === output)?.propagated ?? NaN;
  }

  /**
   * Leaves the `k` worst layers uncompressed (`recompress(excludeNodes)`) and builds the atlas of
   * the new variant on the same data: the error of those layers goes away, and the output's
   * SQNR shows how much of the whole error they were.
   */
  async rerunWithout(options: RerunOptions): Promise<AtlasRerun> {
    const excluded = this.worst(options.k ?? 3);
    const variant = await options.recompress(excluded.map((e) => e.compressedNode!));
    const after = await errorAtlas({
      ...this.#options,
      variant,
      name: `${this.name} without ${excluded.length}`,
    });
    return new AtlasRerun(this, after, excluded);
  }

  /** Plain data for reports (`report.extra.atlas`) and figures. */
  toJSON(): AtlasSummary {
    return {
      variant: this.name,
      rows: this.rows,
      outputSqnr: finite(this.outputSqnr),
      entries: this.entries.map((e) => ({
        label: e.label,
        tensor: e.name,
        opType: e.opType,
        ...(e.layer === undefined ? {} : { layer: e.layer }),
        position: e.position,
        local: finite(e.local),
        propagated: finite(e.propagated),
        weight: e.weightSqnr === undefined ? null : finite(e.weightSqnr),
        ...(e.compressedNode ? { compressedNode: e.compressedNode } : {}),
        ...(e.saturated > 0 ? { saturated: e.saturated } : {}),
      })),
      ...(this.skipped.length === 0 ? {} : {
        skipped: this.skipped.map((t) => ({
          label: t.label,
          tensor: t.name,
          fp32Shape: t.fp32Shape,
          variantShape: t.variantShape,
        })),
      }),
    };
  }

  /** The ranked table (worst first), `top` rows. */
  table(top = 12): Table {
    return atlasTable(this.toJSON(), { top });
  }

  /**
   * In a notebook: the depth figure (one chart per output, as every figure of the kit; show the
   * ranked table with {@link ErrorAtlas.table}).
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    return atlasDepthFigure(this.toJSON())[JUPYTER_DISPLAY]();
  }
}

/** An atlas before and after leaving its worst layers uncompressed. */
export class AtlasRerun {
  constructor(
    readonly before: ErrorAtlas,
    readonly after: ErrorAtlas,
    /** The entries left uncompressed (from `before`). */
    readonly excluded: readonly AtlasEntry[],
  ) {}

  /** The FP32 nodes left uncompressed. */
  get excludedNodes(): string[] {
    return this.excluded.map((e) => e.compressedNode!);
  }

  /** Plain data: the excluded layers and the output SQNR before and after. */
  toJSON(): { excluded: string[]; outputBefore: number | null; outputAfter: number | null } {
    return {
      excluded: this.excluded.map((e) => e.label),
      outputBefore: finite(this.before.outputSqnr),
      outputAfter: finite(this.after.outputSqnr),
    };
  }

  /** In a notebook: the propagated SQNR along the depth, before and after. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return atlasDepthFigure(this.before.toJSON(), { after: this.after.toJSON() })
      [JUPYTER_DISPLAY]();
  }
}

/** The largest finite value of each 16-bit float type a variant's tensor can have. */
const FORMAT_RANGE = new Map<number, number>([
  [DataType.FLOAT16, FP16_MAX],
  [DataType.BFLOAT16, BF16_MAX],
]);

function finite(db: number): number | null {
  return Number.isFinite(db) ? db : null;
}
