/**
 * Everything the notebooks and tasks need for one model, fetched into the hub cache ahead of a
 * workshop, so the room can run with `HF_HUB_OFFLINE=1` and no network.
 *
 * @module
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { type HubCacheProblem, type HubSettings, verifyHubCache } from "../hub/mod.ts";
import { loadMrpc, loadTokenizer, MRPC_SPLITS } from "../data/mod.ts";
import { loadClassifier } from "../model/mod.ts";
import { hubSettings, workshopSettings } from "../settings/mod.ts";

/** Options of {@link prefetchWorkshop}. */
export interface PrefetchOptions {
  /** Model id (default `WORKSHOP_MODEL`). */
  modelId?: string;
  settings?: HubSettings;
  /** One line per step (default: none). */
  log?: (line: string) => void;
}

/** What {@link prefetchWorkshop} fetched and found. */
export interface PrefetchResult {
  modelId: string;
  cacheDir: string;
  /** What was fetched, step by step. */
  steps: { step: string; detail: string }[];
  /** Damaged or partial files in the cache after the fetch (none when all is well). */
  problems: HubCacheProblem[];
  /** Bytes the whole cache folder takes. */
  cacheBytes: number;
}

/** The cache is still unsound after prefetching; the message lists the files. */
export class PrefetchError extends Error {
  override name = "PrefetchError";
}

/**
 * Downloads and exports what the workshop needs for `modelId` — its config and weights (the
 * repo's ONNX file if it has one, and the kit's own export of the PyTorch checkpoint, which the
 * training notebooks and the fusion comparison read), its tokenizer, and MRPC's three splits —
 * then verifies the whole cache and measures it. Run online (or against a mirror); afterwards
 * everything runs with `HF_HUB_OFFLINE=1`.
 *
 * @example
 * ```ts ignore
 * const result = await prefetchWorkshop({ modelId: "textattack/distilbert-base-uncased-MRPC" });
 * console.log(result.cacheBytes);
 * ```
 */
export async function prefetchWorkshop(options: PrefetchOptions = {}): Promise<PrefetchResult> {
  const settings = options.settings ?? hubSettings();
  if (settings.offline) {
    throw new PrefetchError(
      "prefetch needs the network (or a mirror): unset HF_HUB_OFFLINE, or point HF_ENDPOINT at a mirror.",
    );
  }
  const modelId = options.modelId ?? workshopSettings().modelId;
  const log = options.log ?? (() => {});
  const steps: PrefetchResult["steps"] = [];
  const done = (step: string, detail: string) => {
    steps.push({ step, detail });
    log(`${step}: ${detail}`);
  };
  const model = await loadClassifier(modelId, { settings, progress: false });
  done("model", `${model.source} → ${model.path}`);
  if (model.source === "onnx") {
    const exported = await loadClassifier(modelId, { settings, progress: false, export: "always" })
      .catch((error) => {
        // A repo with only an ONNX file has no checkpoint to export; the notebooks that need
        // one say so when they run.
        done("kit export", `skipped: ${(error as Error).message.split("\n")[0]}`);
        return undefined;
      });
    if (exported) done("kit export", `${exported.source} → ${exported.path}`);
  }
  const tokenizer = await loadTokenizer(modelId, { settings, progress: false });
  done("tokenizer", `${tokenizer.source}, ${tokenizer.vocabSize} tokens`);
  for (const split of MRPC_SPLITS) {
    const rows = await loadMrpc(split, { settings, progress: false });
    done(`mrpc ${split}`, `${rows.length} pairs`);
  }
  const problems = await verifyHubCache(settings);
  done("verify", problems.length === 0 ? "the cache is sound" : `${problems.length} problems`);
  const cacheBytes = await folderBytes(settings.cacheDir);
  done("cache size", `${(cacheBytes / 1e6).toFixed(1)} MB in ${settings.cacheDir}`);
  return { modelId, cacheDir: settings.cacheDir, steps, problems, cacheBytes };
}

/** Bytes of every file under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}
