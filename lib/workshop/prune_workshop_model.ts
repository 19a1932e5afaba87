/**
 * The workshop's pruning step, as `deno task prune` and the notebook run it: every option checked
 * before any work, the model and MRPC loaded (or handed down), the dense model scored, pruning on
 * the training engine with optional distillation from the dense teacher (`lib/distill`),
 * structured patterns shrunk for real, optional static INT8 (or the accuracy-driven tuner), and a
 * hub-layout folder with `report.json` (with the run's manifest: resolved configuration, seeds,
 * input hashes, so `deno task reproduce` runs it again) and `report.html`, swapped in whole.
 *
 * @module
 */
import { readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { distillationLoss, type KdSettings, teacherLogits } from "../distill/mod.ts";
import { evaluateVariant, type EvaluationResult, latencyProfile } from "../eval/mod.ts";
import { checkOutputDir, writeDirAtomic, writeFileAtomic } from "../fs/mod.ts";
import { type HubSettings, hubSettings } from "../hub/mod.ts";
import { buildDistilBertGraph, loadHubConfig, toHubConfigJson } from "../model/mod.ts";
import { type Model, writeModel } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import {
  criterionNames,
  gradualOverEpoch,
  patternByName,
  preparePruneData,
  type PruneData,
  PruneExtension,
  type PruneOptions,
  PruneOptionsError,
  type PruneRun,
  type PruneSchedule,
  type PruneTarget,
  quantizePruned,
  runPruning,
  scorePrunedOnnx,
  SparsityRangeError,
  UnknownCriterionError,
} from "../prune/mod.ts";
import { classifierEvaluator, tune } from "../tune/mod.ts";
import { tfBackendInfo, type TrainProfileName } from "../train/mod.ts";
import { workshopSettings } from "../settings/mod.ts";
import { writeHubLayout } from "./hub_layout.ts";
import { checkModelChoice } from "./check_options.ts";
import { machineInfo } from "../bench/mod.ts";
import { type RunManifest, sha256File } from "../report/mod.ts";
import { predictionsHash } from "./experiment/run_figures.ts";
import { pruneReportHtml } from "./prune_report.ts";
import { MANIFEST_MODEL_FILES, workshopManifest } from "./workshop_manifest.ts";

/** Options of {@link pruneWorkshopModel}. */
export interface PruneWorkshopOptions {
  /** Hub model id (default: the handed-down data's, else `WORKSHOP_MODEL`). */
  modelId?: string;
  revision?: string;
  settings?: HubSettings;
  /** A registered criterion (default `magnitude`). */
  criterion?: string;
  /** A registered pattern (default `unstructured`; `ffn` / `head` with {@link ffn} / {@link heads}). */
  pattern?: string;
  /** Fraction of weights (or groups) pruned, element patterns, in [0, 1). */
  sparsity?: number;
  /** Structured: fraction of FFN units removed in every layer, in [0, 1). */
  ffn?: number;
  /** Structured: fraction of attention heads removed in every layer, in [0, 1). */
  heads?: number;
  /** `oneshot` (default) or `gradual` (cubic ramp over the first epoch). */
  schedule?: "oneshot" | "gradual";
  /** Epochs of fine-tuning after the last pruning step (default: the profile's, 1 quick and full, 3 long). */
  finetuneEpochs?: number;
  /** Recover from the dense model as teacher (`true`: α 0.5, T 2). */
  distill?: boolean | KdSettings;
  /** Also write static INT8 of the pruned model (`tune`: with the accuracy-driven tuner). */
  int8?: boolean | { tune: boolean };
  /** The hub-layout output folder (default `out/pruned`), swapped in whole. */
  outDir?: string;
  /** The quick profile and short latency runs (default: `profile` is quick, else `WORKSHOP_QUICK`). */
  quick?: boolean;
  /** Training profile (`pruneProfile`); default: quick with `quick`/`WORKSHOP_QUICK`, else full. */
  profile?: TrainProfileName;
  seed?: number;
  progress?: ProgressOption;
  /** The weights and MRPC, already loaded (the notebook hands them down). */
  data?: PruneData;
}

/** One scored variant of report.json. */
export interface PruneReportVariant {
  name: string;
  accuracy: number;
  f1: number;
  agreement: number;
  maxAbsLogitError: number;
  latencyMs: { b1: number; b8: number };
  sizeBytes: number;
  /** SHA-256 of its predicted labels on the validation slice (one byte per row). */
  predictionsSha256: string;
}

/**
 * The resolved configuration of a prune run, as its manifest records it: every default filled
 * in, so `deno task reproduce` runs exactly this again.
 */
export interface PruneRunConfig {
  modelId: string;
  revision?: string;
  /** The training profile (`quick` with `WORKSHOP_QUICK=1`). */
  profile: string;
  criterion: string;
  /** What was pruned, resolved from pattern, sparsity, ffn and heads (for the reader). */
  targets: PruneTarget[];
  pattern?: string;
  sparsity?: number;
  ffn?: number;
  heads?: number;
  schedule: "oneshot" | "gradual";
  finetuneEpochs: number;
  distill: KdSettings | false;
  int8: boolean | { tune: boolean };
  seed: number;
}

/** What `report.json` holds. */
export interface PruneReport {
  task: "prune";
  model: string;
  revision: string;
  profile: string;
  criterion: string;
  targets: PruneTarget[];
  schedule: PruneSchedule;
  finetuneEpochs: number;
  distill: KdSettings | false;
  /** Zero (or removed) fraction of the prunable weights, overall, per layer and per weight. */
  sparsity: {
    overall: number;
    byLayer: { layer: number; sparsity: number }[];
    byWeight: Record<string, number>;
  };
  /** Structured runs: heads and FFN units kept per layer. */
  structured?: { layers: { heads: number; ffnUnits: number }[] };
  /** dense, pruned (and pruned + INT8): accuracy, F1, agreement, latency, size. */
  variants: PruneReportVariant[];
  train: { updates: number; seconds: number };
  seconds: number;
  /** SHA-256 of `onnx/model.onnx` (the pruned, fine-tuned model). */
  modelSha256: string;
  /** What produced it: versions, machine, the resolved {@link PruneRunConfig}, seeds, inputs. */
  manifest: RunManifest;
}

/** What {@link pruneWorkshopModel} produced. */
export interface PrunedWorkshopModel {
  dir: string;
  /** `dir/onnx/model.onnx`. */
  path: string;
  report: PruneReport;
  run: PruneRun;
}

function fraction(value: number | undefined, option: string): void {
  if (value === undefined) return;
  if (!(typeof value === "number" && Number.isFinite(value) && value >= 0 && value < 1)) {
    throw new SparsityRangeError(
      `${option} ${value} is outside [0, 1): give the fraction to prune, e.g. 0.5 (1 would ` +
        "remove everything).",
    );
  }
}

/**
 * The pruning targets the options ask for; throws (before any work) naming the option and the
 * fix: sparsity outside [0, 1), an unknown pattern or criterion, `sparsity` with a structured
 * pattern or `ffn`/`heads` with an element one, nothing to prune.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pruneTargets } from "./prune_workshop_model.ts";
 * assert.deepEqual(pruneTargets({ sparsity: 0.5 }), [{ pattern: "unstructured", sparsity: 0.5 }]);
 * assert.deepEqual(pruneTargets({ ffn: 0.5, heads: 0.25 }).map((t) => t.pattern), ["ffn", "head"]);
 * assert.throws(() => pruneTargets({ sparsity: 1 }), /outside \[0, 1\)/);
 * assert.throws(() => pruneTargets({ pattern: "2:4", ffn: 0.5 }), /--ffn/);
 * assert.throws(() => pruneTargets({ criterion: "obd", sparsity: 0.5 }), /no criterion/);
 * ```
 */
export function pruneTargets(options: PruneWorkshopOptions): PruneTarget[] {
  const criterion = options.criterion ?? "magnitude";
  if (!criterionNames().includes(criterion)) {
    throw new UnknownCriterionError(
      `criterion (--criterion): no criterion is named ${JSON.stringify(criterion)}; use one of ` +
        `${criterionNames().join(", ")}.`,
    );
  }
  fraction(options.sparsity, "sparsity (--sparsity)");
  fraction(options.ffn, "ffn (--ffn)");
  fraction(options.heads, "heads (--heads)");
  const structuredAsked = options.ffn !== undefined || options.heads !== undefined;
  const pattern = options.pattern ?? (structuredAsked ? undefined : "unstructured");
  if (pattern !== undefined && !patternByName(pattern).structured) {
    if (structuredAsked) {
      throw new PruneOptionsError(
        `--ffn / --heads remove whole FFN units and heads, but pattern (--pattern) is ${pattern}: ` +
          "drop --pattern (or use --pattern ffn / head), or give --sparsity for an element pattern.",
      );
    }
    if (options.sparsity === undefined) {
      throw new PruneOptionsError(
        `pattern ${pattern} needs sparsity (--sparsity F), the fraction of weights to prune, ` +
          "e.g. --sparsity 0.5.",
      );
    }
    return [{ pattern, sparsity: options.sparsity }];
  }
  if (options.sparsity !== undefined) {
    throw new PruneOptionsError(
      `sparsity (--sparsity) is for element patterns (unstructured, N:M, blocks); pattern ` +
        `${pattern} removes whole groups: give --ffn F and/or --heads F (fractions removed).`,
    );
  }
  const ffn = options.ffn ?? (pattern === "ffn" ? undefined : 0);
  const heads = options.heads ?? (pattern === "head" ? undefined : 0);
  if (ffn === undefined || heads === undefined) {
    throw new PruneOptionsError(
      `pattern ${pattern} needs --${pattern === "ffn" ? "ffn" : "heads"} F, the fraction of ` +
        `${pattern === "ffn" ? "FFN units" : "attention heads"} removed in every layer.`,
    );
  }
  const targets: PruneTarget[] = [];
  if (ffn > 0) targets.push({ pattern: "ffn", sparsity: ffn });
  if (heads > 0) targets.push({ pattern: "head", sparsity: heads });
  if (targets.length === 0) {
    throw new PruneOptionsError(
      "nothing to prune: --ffn and --heads are both 0; give a fraction above 0.",
    );
  }
  return targets;
}

function checkRunOptions(options: PruneWorkshopOptions): void {
  checkModelChoice(options);
  const epochs = options.finetuneEpochs;
  if (epochs !== undefined && !(Number.isInteger(epochs) && epochs >= 0)) {
    throw new PruneOptionsError(
      `finetuneEpochs (--finetune-epochs) is ${epochs}: pass a whole number ≥ 0 of epochs.`,
    );
  }
  if (options.schedule !== undefined && !["oneshot", "gradual"].includes(options.schedule)) {
    throw new PruneOptionsError(
      `schedule (--schedule) ${options.schedule} is unknown: use oneshot or gradual.`,
    );
  }
}

/** The prune options of a run on a model with `config`, checked against it (patterns, heads). */
function pruneOptionsFor(
  options: PruneWorkshopOptions,
  targets: PruneTarget[],
  config: PruneData["config"],
  updatesPerEpoch: number,
): PruneOptions {
  const criterion = options.criterion ?? "magnitude";
  const probe = new PruneExtension(config, { criterion, targets });
  const schedule: PruneSchedule = options.schedule === "gradual"
    ? gradualOverEpoch({ updatesPerEpoch, startStep: probe.criterion.scoringSteps })
    : { kind: "oneshot" };
  const prune = { criterion, targets, schedule, criterionOptions: { seed: options.seed } };
  new PruneExtension(config, prune); // the real check, schedule included
  return prune;
}

/**
 * Prunes a hub model as the options say and writes it in hub layout (`onnx/model.onnx`, with
 * `onnx/model_quantized.onnx` when `int8`, `config.json` — with per-layer sizes when structured —
 * and the tokenizer) plus `report.json`. Every option is checked before any work; the model's
 * shapes (patterns that must divide them, every head of a layer) once its `config.json` is read,
 * before the weights are.
 *
 * @example
 * ```ts ignore
 * const pruned = await pruneWorkshopModel({ ffn: 0.5, heads: 0.25, distill: true, outDir: "out/p" });
 * console.log(pruned.report.variants);
 * ```
 */
export async function pruneWorkshopModel(
  options: PruneWorkshopOptions,
): Promise<PrunedWorkshopModel> {
  const started = performance.now();
  checkRunOptions(options);
  const targets = pruneTargets(options);
  const dir = await checkOutputDir(options.outDir ?? join("out", "pruned"));
  const modelId = options.modelId ?? options.data?.modelId;
  const quick = options.quick ?? (options.profile && options.profile === "quick");
  const workshop = workshopSettings({
    ...(modelId ? { modelId } : {}),
    ...(quick !== undefined ? { quick } : {}),
  });
  const settings = options.settings ?? hubSettings();
  const common = { revision: options.revision, settings, progress: options.progress };
  const config = options.data?.config ??
    await loadHubConfig(workshop.modelId, { ...common, progress: false });
  const profileName = options.profile ?? (workshop.quick ? "quick" : "full");
  const batch = options.data?.profile.batchSize ?? 16;
  const rows = options.data?.train.encoded.length;
  pruneOptionsFor(options, targets, config, rows ? Math.ceil(rows / batch) : 1);
  const data = options.data ??
    await preparePruneData({ modelId: workshop.modelId, ...common, profile: profileName });
  const prune = pruneOptionsFor(
    options,
    targets,
    data.config,
    Math.ceil(data.train.encoded.length / data.profile.batchSize),
  );
  const work = await Deno.makeTempDir({ prefix: "prune-" });
  try {
    const densePath = join(work, "dense.onnx");
    const denseGraph = buildDistilBertGraph(data.config, data.weights);
    await writeModel(densePath, denseGraph);
    const dense = await scorePrunedOnnx("dense", denseGraph, data.validation);
    const kd = options.distill === true ? {} : options.distill || undefined;
    const loss = kd
      ? distillationLoss({
        ...kd,
        numLabels: data.config.numLabels,
        teacherLogits: (await teacherLogits({
          modelPath: densePath,
          modelId: data.modelId,
          revision: data.revision,
          split: "train",
          encoded: data.train.encoded,
          padTokenId: data.train.padTokenId,
          settings,
          cache: false,
        })).logits,
      })
      : undefined;
    const finetuneEpochs = options.finetuneEpochs ?? data.profile.epochs;
    const seed = options.seed ?? 0;
    const config: PruneRunConfig = {
      modelId: data.modelId,
      revision: options.revision ?? data.revision,
      profile: data.profile.name,
      criterion: prune.criterion as string,
      targets,
      pattern: options.pattern,
      sparsity: options.sparsity,
      ffn: options.ffn,
      heads: options.heads,
      schedule: options.schedule ?? "oneshot",
      finetuneEpochs,
      distill: kd ?? false,
      int8: options.int8 ?? false,
      seed,
    };
    const run = await runPruning(data, {
      ...prune,
      finetuneEpochs,
      reference: dense.logits,
      train: { seed, ...(loss ? { loss } : {}) },
    });
    // The INT8 model, with its evaluation when quantizePruned already scored it.
    let int8: { model: Model; evaluation?: EvaluationResult } | undefined;
    if (options.int8) {
      int8 = typeof options.int8 === "object" && options.int8.tune
        ? await tune({
          model: run.model,
          approach: "static",
          calibration: data.calibration,
          sensitivity: { batches: data.calibration },
          evaluate: classifierEvaluator({ batches: data.validation }),
          maxTrials: workshop.quick ? 6 : 50,
          latency: workshop.quick ? false : undefined,
          progress: false,
        })
        : await quantizePruned(data, run.model, { reference: dense.logits })
          .then(({ model, score }) => ({ model, evaluation: score.evaluation }));
    }
    const result = await writeDirAtomic(dir, async (tmp) => {
      await writeHubLayout({
        dir: tmp,
        modelId: data.modelId,
        revision: options.revision,
        settings,
        onnx: { "model.onnx": run.model, ...(int8 ? { "model_quantized.onnx": int8.model } : {}) },
      });
      if (run.plan) {
        const original = JSON.parse(await readFile(join(tmp, "config.json"), "utf8"));
        const pruned = toHubConfigJson(run.config);
        await writeFileAtomic(
          join(tmp, "config.json"),
          JSON.stringify({ ...original, ...pruned }, null, 2) + "\n",
        );
      }
      const latency = latencyProfile(workshop.quick);
      // Each file was scored above (its graph before writing): reuse that, time it here.
      const evaluate = (name: string, path: string, evaluation?: EvaluationResult) =>
        evaluateVariant({
          name,
          path,
          batches: data.validation,
          vocabSize: data.config.vocabSize,
          reference: dense.evaluation,
          evaluation,
          latency,
          progress: false,
        });
      const variants = [
        await evaluate("dense", densePath, dense.evaluation),
        await evaluate("pruned", join(tmp, "onnx", "model.onnx"), run.score.evaluation),
        ...(int8
          ? [
            await evaluate(
              "pruned + INT8",
              join(tmp, "onnx", "model_quantized.onnx"),
              int8.evaluation,
            ),
          ]
          : []),
      ];
      const engine = tfBackendInfo();
      const report: PruneReport = {
        task: "prune",
        model: data.modelId,
        revision: data.revision,
        profile: data.profile.name,
        criterion: prune.criterion as string,
        targets,
        schedule: prune.schedule!,
        finetuneEpochs,
        distill: kd ?? false,
        sparsity: {
          overall: run.sparsity.sparsity,
          byLayer: run.byLayer,
          byWeight: Object.fromEntries(run.sparsity.byWeight),
        },
        ...(run.plan
          ? {
            structured: {
              layers: run.plan.layers.map((l) => ({
                heads: l?.headsKeep.length ?? 0,
                ffnUnits: l?.ffnKeep.length ?? 0,
              })),
            },
          }
          : {}),
        variants: variants.map(({ result: r, evaluation }) => ({
          name: r.name,
          accuracy: r.accuracy,
          f1: r.f1,
          agreement: r.agreement ?? 1,
          maxAbsLogitError: r.maxAbsLogitError ?? 0,
          latencyMs: r.latencyMs,
          sizeBytes: r.sizeBytes,
          predictionsSha256: predictionsHash(evaluation.predictions),
        })),
        train: { updates: run.train.steps, seconds: run.train.seconds },
        seconds: 0,
        modelSha256: await sha256File(join(tmp, "onnx", "model.onnx")),
        manifest: await workshopManifest({
          task: "prune",
          config: config as unknown as Record<string, unknown>,
          seeds: { train: seed, criterion: seed },
          modelId: data.modelId,
          revision: options.revision,
          modelFiles: MANIFEST_MODEL_FILES.filter((f) => f !== "model.safetensors")
            .concat(data.source ?? "model.safetensors"),
          splits: ["train", "validation"],
          settings,
          threads: { train: engine.threads },
        }),
      };
      report.seconds = (performance.now() - started) / 1000;
      await writeFileAtomic(join(tmp, "report.json"), JSON.stringify(report, null, 2) + "\n");
      await writeFileAtomic(
        join(tmp, "report.html"),
        pruneReportHtml({
          model: data.modelId,
          machine: await machineInfo(),
          variants: variants.map((v) =>
            v.result.name === "dense" ? v : {
              ...v,
              result: { ...v.result, path: join(dir, relative(tmp, v.result.path!)) },
            }
          ),
          run: {
            command: "deno task prune",
            model: data.modelId,
            revision: data.revision,
            profile: data.profile.name,
            seed,
            "training engine": `${engine.backend}, GEMM ${engine.gemm.backend}` +
              (engine.gemm.description ? ` (${engine.gemm.description})` : "") +
              `, ${engine.threads} threads`,
            "train updates": run.train.steps,
            seconds: Math.round(report.seconds * 10) / 10,
          },
          extra: { prune: report, manifest: report.manifest },
        }),
      );
      return report;
    });
    return { dir, path: join(dir, "onnx", "model.onnx"), report: result, run };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Runs a prune task again from the resolved configuration its manifest recorded, writing the
 * folder (with `report.json`) to `outDir` — what `deno task reproduce` does with a prune report.
 *
 * @example
 * ```ts ignore
 * const again = await pruneFromConfig(report.manifest.config, { outDir: tmp });
 * console.log(again.report.variants);
 * ```
 */
export async function pruneFromConfig(
  config: PruneRunConfig,
  options: { outDir: string; settings?: HubSettings; progress?: ProgressOption },
): Promise<PrunedWorkshopModel> {
  return await pruneWorkshopModel({
    modelId: config.modelId,
    revision: config.revision,
    settings: options.settings,
    quick: config.profile === "quick",
    criterion: config.criterion,
    pattern: config.pattern,
    sparsity: config.sparsity,
    ffn: config.ffn,
    heads: config.heads,
    schedule: config.schedule,
    finetuneEpochs: config.finetuneEpochs,
    distill: config.distill || undefined,
    int8: config.int8,
    seed: config.seed,
    outDir: options.outDir,
    progress: options.progress,
  });
}
