import * as ort from "onnxruntime-node";
import { availableParallelism } from "node:os";
import { stat } from "node:fs/promises";

/** ONNX Runtime's graph optimization levels, as its API names them. */
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

/** How to run a model in ONNX Runtime (CPU execution provider). */
export interface SessionOptions {
  /** Threads inside one operator; default: all cores of this machine. */
  intraOpThreads?: number;
  /** ORT's own graph optimizations; default "all", as ORT itself does. */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /** Where ORT should write the model it optimized (to inspect what it fused). */
  optimizedModelFilePath?: string;
  /**
   * Let idle intra-op threads spin-wait for the next parallel section (ORT's default, true): the
   * lowest latency when one session has the cores. Turn it off when several sessions take turns
   * on the same cores, as benchmarks that interleave variants do: the threads of the session that
   * just ran keep spinning and steal the cores from the next one (measured here, four
   * DistilBERT-base sessions alternating on 2 cores: every variant 1.5–2× slower with spinning).
   */
  allowSpinning?: boolean;
  /**
   * Turn on ONNX Runtime's profiler: every run's kernels are traced (Chrome trace JSON) into
   * `<profileFilePrefix>_<date>.json`, written when `session.endProfiling()` is called
   * (`lib/profile` reads it).
   */
  profileFilePrefix?: string;
}

/** ONNX Runtime could not load a model; the message names the file and what to check. */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
}

/** A loaded model plus what the kit needs to know about it. */
export interface ModelSession {
  session: ort.InferenceSession;
  /** Where it came from (a path, or "<bytes>"). */
  source: string;
  inputNames: readonly string[];
  outputNames: readonly string[];
}

/**
 * Loads an ONNX model (a path or its bytes) into an ONNX Runtime CPU session.
 *
 * @example
 * ```ts ignore
 * import { createSession } from "./session.ts";
 * const { session } = await createSession("model.onnx", { intraOpThreads: 2 });
 * ```
 */
export async function createSession(
  model: string | Uint8Array,
  options: SessionOptions = {},
): Promise<ModelSession> {
  const source = typeof model === "string" ? model : "<bytes>";
  if (typeof model === "string") await assertFile(model);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: options.graphOptimizationLevel ?? "all",
    ...(options.optimizedModelFilePath
      ? { optimizedModelFilePath: options.optimizedModelFilePath }
      : {}),
    ...(options.profileFilePrefix
      ? { enableProfiling: true, profileFilePrefix: options.profileFilePrefix }
      : {}),
    ...(options.allowSpinning === false
      ? { extra: { session: { intra_op: { allow_spinning: "0" } } } }
      : {}),
  };
  try {
    const session = typeof model === "string"
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
    return { session, source, inputNames: session.inputNames, outputNames: session.outputNames };
  } catch (error) {
    throw new ModelLoadError(
      `ONNX Runtime could not load ${source}: ${(error as Error).message}\n` +
        "The file may be truncated or not an ONNX model: delete it from the cache and download or export it again.",
    );
  }
}

async function assertFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new ModelLoadError(`${path} is not a file: pass the .onnx file itself.`);
    }
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(
      `${path} does not exist: check the path, or load the model by hub id.`,
    );
  }
}
