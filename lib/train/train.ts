/**
 * The training loop: AdamW with linear warm-up/decay, gradient clipping, dynamic-padding
 * batches reshuffled each epoch, deterministic seeding, periodic evaluation, progress and
 * callbacks, atomic checkpoints that resume to the same weights, and a clean stop on Ctrl+C or
 * an `AbortSignal` (the current step finishes, a checkpoint is written, the call returns).
 *
 * Determinism: the batches of epoch e come from `(seed, e)`, the dropout masks of update s from
 * `(seed, s)`, the learning rate from s; a checkpoint stores the weights, the optimizer moments
 * and (epoch, position, step), so a resumed run performs exactly the updates the uninterrupted
 * run would have.
 *
 * Techniques extend the loop with {@link TrainExtension}s (`extensions`): forward hooks, a loss
 * term, callbacks after the gradients and after the update, and state saved inside the
 * checkpoint (see `extension.ts`).
 *
 * @module
 */
import type { Scalar, Variable } from "@tensorflow/tfjs";
import type { Batch } from "../data/batch.ts";
import { type ProgressOption, progressReporter } from "../progress/mod.ts";
import { AdamW } from "./adamw.ts";
import { initTf, tf } from "./backend.ts";
import { epochBatches, type TrainExamples } from "./batches.ts";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { globalNormScale } from "./clip.ts";
import { heapWarning, wasmHeapBytes } from "./heap.ts";
import type { TfDistilBert } from "./distilbert.ts";
import { evaluateTf } from "./evaluate_tf.ts";
import {
  checkExtensions,
  type ExtensionState,
  installExtensionHooks,
  type TrainExtension,
} from "./extension.ts";
import { crossEntropyLoss, type LossFn } from "./loss.ts";
import type { TrainProfile } from "./profile.ts";
import { mixSeed } from "../random/mod.ts";
import { type LearningRateSchedule, linearWarmupDecay } from "./schedule.ts";

/** Training rows plus optional validation batches. */
export interface TrainData extends TrainExamples {
  /** Labelled batches evaluated every `evalEvery` updates (e.g. `prepareMrpc("validation")`). */
  validation?: readonly Batch[];
  /** Padding id of the tokenizer (default 0). */
  padTokenId?: number;
}

/** One update, as `onStep` receives it and `history` keeps it. */
export interface StepRecord {
  /** Updates done, this one included (1 for the first). */
  step: number;
  /** Fractional epochs done. */
  epoch: number;
  /** Learning rate used. */
  lr: number;
  /** Training loss, the extensions' terms included. */
  loss: number;
  /** Global gradient norm before clipping (after the extensions' `afterGradients`). */
  gradNorm: number;
  /** Rows in the batch. */
  rows: number;
  /** Attended (non-padding) tokens in the batch. */
  tokens: number;
  /** Rows × padded length. */
  paddedTokens: number;
  /** Wall time of the update, ms. */
  ms: number;
}

/** One evaluation on the validation batches. */
export interface EvalRecord {
  step: number;
  epoch: number;
  accuracy: number;
  f1: number;
  loss: number;
}

/** Options of {@link train}; defaults come from `profile`, else {@link TRAIN_DEFAULTS}. */
export interface TrainOptions {
  /** Loop settings to start from (`trainProfile()`); explicit options win. */
  profile?: TrainProfile;
  /** Run seed: batches and dropout (default 0). */
  seed?: number;
  epochs?: number;
  /** Stop after this many updates in total. */
  maxSteps?: number;
  batchSize?: number;
  /** Batches per length bucket (see `epochBatches`), default 50. */
  bucketBatches?: number;
  learningRate?: number;
  /** Warm-up updates; default `ceil(warmupRatio · totalSteps)`. */
  warmupSteps?: number;
  warmupRatio?: number;
  /** Replaces the linear warm-up/decay schedule. */
  schedule?: LearningRateSchedule;
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Clip the global gradient norm to this (Infinity: no clipping). */
  maxGradNorm?: number;
  /** Evaluate every N updates (0: only at the end); needs `data.validation`. */
  evalEvery?: number;
  /** Training loss (default cross-entropy on the labels). */
  loss?: LossFn;
  /** Pass hidden states to the loss (intermediate-layer distillation). */
  outputHiddenStates?: boolean;
  /** Called after every update (e.g. to extend a live chart). */
  onStep?: (record: StepRecord) => void | Promise<void>;
  /** Called after every evaluation. */
  onEval?: (record: EvalRecord) => void | Promise<void>;
  /** Progress of the updates (see `lib/progress`); default on. */
  progress?: ProgressOption;
  /** Where evaluation and stop lines go (default `console.error`); false: nowhere. */
  log?: ((line: string) => void) | false;
  /** Checkpoint file (`.safetensors`), written atomically; none when absent. */
  checkpoint?: string;
  /** Also checkpoint every N updates (default: only at the end and when stopped). */
  checkpointEvery?: number;
  /** Continue from `checkpoint` when the file exists (default true). */
  resume?: boolean;
  /** Stop cleanly when aborted. */
  signal?: AbortSignal;
  /** Stop cleanly on the first Ctrl+C (SIGINT) instead of exiting (default true). */
  handleSigint?: boolean;
  /**
   * Techniques added to the loop, in order (hooks: the first outermost; callbacks: first to
   * last); their state is saved in `checkpoint` and resumed from it. See `extension.ts`.
   */
  extensions?: readonly TrainExtension[];
}

/** What {@link train} returns. */
export interface TrainResult {
  /** `completed`: all updates done; `stopped`: aborted or interrupted (checkpoint written). */
  status: "completed" | "stopped";
  /** Updates done in total (resumed ones included). */
  steps: number;
  totalSteps: number;
  stepsPerEpoch: number;
  /** The step the run resumed from, when it did. */
  resumedFrom?: number;
  /** Every update so far (resumed ones included). */
  history: StepRecord[];
  evals: EvalRecord[];
  /** Wall time of this call's updates and evaluations, seconds. */
  seconds: number;
  /** Attended tokens per second of this call's updates. */
  tokensPerSecond: number;
  /** The checkpoint path, when one was written. */
  checkpoint?: string;
}

/** Defaults of the loop when neither the options nor a profile set a value. */
export const TRAIN_DEFAULTS = {
  seed: 0,
  epochs: 3,
  batchSize: 16,
  bucketBatches: 50,
  learningRate: 5e-5,
  warmupRatio: 0.1,
  weightDecay: 0.01,
  maxGradNorm: 1,
  evalEvery: 0,
} as const;

/** A checkpoint belongs to another run; the message names the setting that differs. */
export class CheckpointMismatchError extends CheckpointError {
  override name = "CheckpointMismatchError";
}

/** What a checkpoint stores about the loop. */
interface LoopState {
  seed: number;
  batchSize: number;
  bucketBatches: number;
  rows: number;
  totalSteps: number;
  step: number;
  epoch: number;
  batchInEpoch: number;
  history: StepRecord[];
  evals: EvalRecord[];
}

interface Plan {
  seed: number;
  batchSize: number;
  bucketBatches: number;
  rows: number;
  stepsPerEpoch: number;
  totalSteps: number;
  schedule: LearningRateSchedule;
  maxGradNorm: number;
  evalEvery: number;
  loss: LossFn;
  padTokenId: number;
  extensions: readonly TrainExtension[];
}

function makePlan(data: TrainData, options: TrainOptions): Plan {
  const p = options.profile;
  const pick = <T>(own: T | undefined, fromProfile: T | undefined, fallback: T): T =>
    own ?? fromProfile ?? fallback;
  const batchSize = pick(options.batchSize, p?.batchSize, TRAIN_DEFAULTS.batchSize);
  const epochs = pick(options.epochs, p?.epochs, TRAIN_DEFAULTS.epochs);
  const rows = data.encoded.length;
  if (rows === 0) throw new RangeError("The training data has no rows.");
  const stepsPerEpoch = Math.ceil(rows / batchSize);
  const maxSteps = options.maxSteps ?? p?.maxSteps;
  const totalSteps = Math.min(epochs * stepsPerEpoch, maxSteps ?? Infinity);
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new RangeError(`epochs ${epochs} and maxSteps ${maxSteps} leave no update to do.`);
  }
  const warmupRatio = pick(options.warmupRatio, p?.warmupRatio, TRAIN_DEFAULTS.warmupRatio);
  const warmupSteps = options.warmupSteps ?? Math.ceil(warmupRatio * totalSteps);
  const learningRate = pick(options.learningRate, p?.learningRate, TRAIN_DEFAULTS.learningRate);
  return {
    seed: options.seed ?? TRAIN_DEFAULTS.seed,
    batchSize,
    bucketBatches: options.bucketBatches ?? TRAIN_DEFAULTS.bucketBatches,
    rows,
    stepsPerEpoch,
    totalSteps,
    schedule: options.schedule ??
      linearWarmupDecay({ peak: learningRate, warmupSteps, totalSteps }),
    maxGradNorm: pick(options.maxGradNorm, p?.maxGradNorm, TRAIN_DEFAULTS.maxGradNorm),
    evalEvery: pick(options.evalEvery, p?.evalEvery, TRAIN_DEFAULTS.evalEvery),
    loss: options.loss ?? crossEntropyLoss,
    padTokenId: data.padTokenId ?? 0,
    extensions: options.extensions ?? [],
  };
}

/**
 * Trains `model` in place on `data`. See the module doc for what is deterministic and how
 * checkpoints resume.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TfDistilBert } from "./distilbert.ts";
 * import { train } from "./train.ts";
 * import { DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const model = await TfDistilBert.fromWeights(config, randomDistilBertWeights(config, { seed: 1 }));
 * const encoded = [[2, 5, 3], [2, 6, 3], [2, 5, 5, 3], [2, 6, 6, 3]].map((ids) => ({ inputIds: ids, attentionMask: ids.map(() => 1) }));
 * const result = await train(model, { encoded, labels: [1, 0, 1, 0] }, {
 *   epochs: 2, batchSize: 2, learningRate: 1e-2, progress: false, log: false, handleSigint: false,
 * });
 * assert.equal(result.steps, 4);
 * assert.equal(result.history.length, 4);
 * model.dispose();
 * ```
 */
export async function train(
  model: TfDistilBert,
  data: TrainData,
  options: TrainOptions = {},
): Promise<TrainResult> {
  await initTf();
  const plan = makePlan(data, options);
  checkExtensions(plan.extensions);
  const params = new Map<string, Variable>(
    [...model.variables].filter(([, v]) => v.trainable),
  );
  const optimizer = new AdamW(params, {
    beta1: options.beta1,
    beta2: options.beta2,
    epsilon: options.epsilon,
    weightDecay: options.weightDecay ?? options.profile?.weightDecay ?? TRAIN_DEFAULTS.weightDecay,
  });
  const log = options.log === false ? () => {} : options.log ?? ((l: string) => console.error(l));
  const stop = stopper(options, log);
  const restoreHooks = installExtensionHooks(model, plan.extensions);
  try {
    const state = await startState(model, optimizer, plan, options);
    const resumedFrom = state.step > 0 ? state.step : undefined;
    for (const extension of plan.extensions) {
      await extension.start?.({ model, totalSteps: plan.totalSteps, resumedFrom });
    }
    const progress = progressReporter(options.progress, {
      label: "train",
      total: plan.totalSteps,
      unit: "steps",
    });
    progress.update(state.step);
    const started = performance.now();
    let tokens = 0;
    let trainMs = 0;
    const checkpointNow = async () => {
      if (!options.checkpoint) return;
      await writeCheckpoint(options.checkpoint, {
        weights: model.toWeightMap(),
        optimizer: optimizer.state(),
        state,
        extensions: savedExtensions(plan.extensions),
      });
    };
    const evaluate = async () => {
      if (!data.validation?.length) return;
      const result = await evaluateTf(model, data.validation);
      const record: EvalRecord = {
        step: state.step,
        epoch: state.step / plan.stepsPerEpoch,
        accuracy: result.metrics.accuracy,
        f1: result.metrics.f1,
        loss: result.loss,
      };
      state.evals.push(record);
      log(
        `train: step ${state.step}/${plan.totalSteps}, validation accuracy ` +
          `${record.accuracy.toFixed(4)}, f1 ${record.f1.toFixed(4)}, loss ${
            record.loss.toFixed(4)
          }`,
      );
      await options.onEval?.(record);
    };
    let heapWarned = false;
    try {
      outer: while (state.step < plan.totalSteps) {
        const batches = epochBatches(data, {
          batchSize: plan.batchSize,
          seed: plan.seed,
          epoch: state.epoch,
          bucketBatches: plan.bucketBatches,
          padTokenId: plan.padTokenId,
        });
        while (state.batchInEpoch < batches.length && state.step < plan.totalSteps) {
          if (stop.requested()) break outer;
          const record = runStep(
            model,
            optimizer,
            plan,
            batches[state.batchInEpoch],
            state.step,
            options,
          );
          state.step++;
          state.batchInEpoch++;
          state.history.push(record);
          heapWarned ||= warnOfHeap(record, log);
          tokens += record.tokens;
          trainMs += record.ms;
          progress.update(state.step);
          await options.onStep?.(record);
          if (plan.evalEvery > 0 && state.step % plan.evalEvery === 0) await evaluate();
          if (options.checkpointEvery && state.step % options.checkpointEvery === 0) {
            await checkpointNow();
          }
          await new Promise((resolve) => setTimeout(resolve, 0)); // deliver signals
        }
        if (state.batchInEpoch >= batches.length) {
          state.epoch++;
          state.batchInEpoch = 0;
        }
      }
      const status = state.step >= plan.totalSteps ? "completed" : "stopped";
      if (status === "completed" && state.evals.at(-1)?.step !== state.step) await evaluate();
      await checkpointNow();
      if (status === "stopped") {
        log(
          `train: stopped after step ${state.step}/${plan.totalSteps}` +
            (options.checkpoint ? `; checkpoint ${options.checkpoint} (run again to resume)` : ""),
        );
      }
      progress.done();
      return {
        status,
        steps: state.step,
        totalSteps: plan.totalSteps,
        stepsPerEpoch: plan.stepsPerEpoch,
        resumedFrom,
        history: state.history,
        evals: state.evals,
        seconds: (performance.now() - started) / 1000,
        tokensPerSecond: trainMs > 0 ? (tokens * 1000) / trainMs : 0,
        checkpoint: options.checkpoint,
      };
    } catch (error) {
      progress.fail(error);
      throw error;
    }
  } finally {
    for (const extension of plan.extensions) extension.end?.();
    restoreHooks();
    stop.dispose();
    optimizer.dispose();
  }
}

async function startState(
  model: TfDistilBert,
  optimizer: AdamW,
  plan: Plan,
  options: TrainOptions,
): Promise<LoopState> {
  const fresh: LoopState = {
    seed: plan.seed,
    batchSize: plan.batchSize,
    bucketBatches: plan.bucketBatches,
    rows: plan.rows,
    totalSteps: plan.totalSteps,
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    history: [],
    evals: [],
  };
  const path = options.checkpoint;
  if (!path || options.resume === false || !(await exists(path))) return fresh;
  const saved = await readCheckpoint<LoopState>(path);
  for (const key of ["seed", "batchSize", "bucketBatches", "rows", "totalSteps"] as const) {
    if (saved.state?.[key] !== fresh[key]) {
      throw new CheckpointMismatchError(
        `${path} was written by a run with ${key} ${saved.state?.[key]}, this run has ` +
          `${fresh[key]}; use the same settings to resume, or delete the checkpoint (or pass ` +
          `resume: false) to start over.`,
      );
    }
  }
  const extensions = resumedExtensions(plan.extensions, saved.extensions ?? new Map(), path);
  model.setWeights(saved.weights);
  optimizer.loadState(saved.optimizer);
  for (const [extension, state] of extensions) extension.loadState?.(state);
  return saved.state;
}

function savedExtensions(extensions: readonly TrainExtension[]): Map<string, ExtensionState> {
  const out = new Map<string, ExtensionState>();
  for (const e of extensions) if (e.saveState) out.set(e.name, e.saveState());
  return out;
}

/**
 * Pairs each stateful extension with its saved state; throws {@link CheckpointMismatchError}
 * when the checkpoint lacks one or holds the state of an extension this run does not have.
 */
function resumedExtensions(
  extensions: readonly TrainExtension[],
  saved: ReadonlyMap<string, ExtensionState>,
  path: string,
): [TrainExtension, ExtensionState][] {
  const stateful = extensions.filter((e) => e.saveState);
  for (const name of saved.keys()) {
    if (!stateful.some((e) => e.name === name)) {
      throw new CheckpointMismatchError(
        `${path} holds the state of training extension "${name}", which this run does not ` +
          `have; resume with the extensions the run started with (${
            [...saved.keys()].join(", ")
          }), or delete the checkpoint (or pass resume: false) to start over.`,
      );
    }
  }
  return stateful.map((e) => {
    const state = saved.get(e.name);
    if (!state) {
      throw new CheckpointMismatchError(
        `${path} holds no state of training extension "${e.name}" (written by a run without ` +
          `it${saved.size ? `, with ${[...saved.keys()].join(", ")}` : ""}, or by a kit before ` +
          "checkpoint format 2, which kept QAT observers in a .qat.json side file); resume " +
          "with the extensions the run started with, or delete the checkpoint (or pass " +
          "resume: false) to start over.",
      );
    }
    return [e, state];
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const DROPOUT_STREAM = 0x64726f70;

function runStep(
  model: TfDistilBert,
  optimizer: AdamW,
  plan: Plan,
  batch: Batch,
  step: number,
  options: TrainOptions,
): StepRecord {
  const started = performance.now();
  const lr = plan.schedule(step);
  const names = optimizer.names();
  const variables = names.map((name) => model.variable(name));
  const labels = tf.tensor1d(batch.labels, "int32");
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(batch, {
      training: true,
      dropoutSeed: mixSeed(plan.seed, DROPOUT_STREAM, step),
      outputHiddenStates: options.outputHiddenStates,
    });
    const context = {
      logits: out.logits,
      labels,
      batch,
      hiddenStates: out.hiddenStates,
      step,
    };
    let loss = plan.loss(context) as Scalar;
    for (const extension of plan.extensions) {
      if (extension.loss) {
        loss = tf.add(loss, extension.loss({ ...context, model, totalSteps: plan.totalSteps }));
      }
    }
    return loss;
  }, variables);
  const arrays = new Map<string, Float32Array>();
  names.forEach((name, i) => {
    const g = grads[variables[i].name]; // absent when the loss does not depend on the weight
    if (g) arrays.set(name, g.dataSync() as Float32Array);
  });
  const loss = value.dataSync()[0];
  tf.dispose([value, labels, ...Object.values(grads)]);
  const context = { model, totalSteps: plan.totalSteps, step };
  for (const extension of plan.extensions) {
    extension.afterGradients?.({ ...context, batch, loss, gradients: arrays });
  }
  const clipped = globalNormScale(arrays.values(), plan.maxGradNorm);
  optimizer.applyArrays(arrays, lr, clipped.scale);
  for (const extension of plan.extensions) extension.afterUpdate?.({ ...context, lr });
  let tokens = 0;
  for (const m of batch.attentionMask) tokens += Number(m);
  return {
    step: step + 1,
    epoch: (step + 1) / plan.stepsPerEpoch,
    lr,
    loss,
    gradNorm: clipped.norm,
    rows: batch.size,
    tokens,
    paddedTokens: batch.size * batch.seqLen,
    ms: performance.now() - started,
  };
}

/** Logs {@link heapWarning} after `record`'s step when it applies; whether it did. */
function warnOfHeap(record: StepRecord, log: (line: string) => void): boolean {
  const warning = heapWarning({
    bytes: wasmHeapBytes(),
    batchSize: record.rows,
    seqLen: record.paddedTokens / record.rows,
  });
  if (warning) log(warning);
  return warning !== undefined;
}

interface Stopper {
  requested(): boolean;
  dispose(): void;
}

/** Watches the abort signal and (optionally) SIGINT; the second Ctrl+C exits at once. */
function stopper(options: TrainOptions, log: (line: string) => void): Stopper {
  let interrupted = 0;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) Deno.exit(130);
    log("train: Ctrl+C: finishing this step and writing the checkpoint (Ctrl+C again quits now)");
  };
  let listening = false;
  if (options.handleSigint ?? true) {
    try {
      Deno.addSignalListener("SIGINT", onSigint);
      listening = true;
    } catch {
      // signals unsupported here (e.g. a worker): rely on the AbortSignal
    }
  }
  return {
    requested: () => interrupted > 0 || (options.signal?.aborted ?? false),
    dispose: () => {
      if (listening) Deno.removeSignalListener("SIGINT", onSigint);
    },
  };
}
