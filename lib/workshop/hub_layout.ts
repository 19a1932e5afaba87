import { copyFile, mkdir } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { hubDownload, type HubSettings, hubSettings } from "../hub/mod.ts";
import { tokenizerDefinition } from "../data/mod.ts";
import { externalDataFiles, type Model, writeModel } from "../onnx/mod.ts";
import { withAtomicPath, writeFileAtomic } from "../fs/atomic.ts";

/** A hub-layout folder cannot be written as asked: the message names the file and the fix. */
export class HubLayoutError extends Error {
  override name = "HubLayoutError";
}

/** Options of {@link writeHubLayout}. */
export interface HubLayoutOptions {
  /** Folder to write (created if missing). */
  dir: string;
  /** The repo whose `config.json` and tokenizer the folder gets. */
  modelId: string;
  revision?: string;
  settings?: HubSettings;
  /**
   * ONNX files to write under `onnx/`: file name → a model, or the path of an `.onnx` to copy
   * (with the external-data files it names, which keep their names beside it).
   */
  onnx: Record<string, Model | string>;
}

/**
 * Writes a model folder in the hub's layout — `config.json`, `tokenizer.json`,
 * `tokenizer_config.json` and `onnx/*.onnx` with their external data — so other tools load it: transformers.js takes
 * `onnx/model.onnx` by default and `onnx/model_quantized.onnx` with `dtype: "q8"`. A repo with only
 * `vocab.txt` gets the equivalent `tokenizer.json`. Every file is written atomically.
 *
 * @example
 * ```ts ignore
 * await writeHubLayout({ dir: "out/int8", modelId, onnx: { "model_quantized.onnx": int8Model } });
 * ```
 */
export async function writeHubLayout(
  options: HubLayoutOptions,
): Promise<{ dir: string; files: string[] }> {
  const dir = resolve(options.dir);
  const settings = options.settings ?? hubSettings();
  const common = { revision: options.revision, settings, progress: false as const };
  await mkdir(join(dir, "onnx"), { recursive: true });
  const files: string[] = [];
  const config = await hubDownload(
    { repo: options.modelId, revision: options.revision, file: "config.json" },
    { settings, progress: false },
  );
  await withAtomicPath(join(dir, "config.json"), (tmp) => copyFile(config, tmp));
  files.push("config.json");
  const tokenizer = await tokenizerDefinition(options.modelId, common);
  await writeFileAtomic(join(dir, "tokenizer.json"), JSON.stringify(tokenizer.json));
  await writeFileAtomic(
    join(dir, "tokenizer_config.json"),
    JSON.stringify(tokenizer.config, null, 2) + "\n",
  );
  files.push("tokenizer.json", "tokenizer_config.json");
  for (const [name, model] of Object.entries(options.onnx)) {
    const target = join(dir, "onnx", name);
    if (typeof model === "string") {
      for (const location of await externalDataFiles(model)) {
        const copy = join(dir, "onnx", location);
        if (files.includes(`onnx/${location}`)) {
          throw new HubLayoutError(
            `${model}'s external data ${location} would overwrite a file already written to ` +
              `${dir}/onnx; give the models external-data files of different names.`,
          );
        }
        await mkdir(dirname(copy), { recursive: true });
        await withAtomicPath(copy, (tmp) => copyFile(join(dirname(model), location), tmp));
        files.push(`onnx/${location}`);
      }
      await withAtomicPath(target, (tmp) => copyFile(model, tmp));
    } else {
      const written = await writeModel(target, model);
      if (written.externalDataPath) {
        files.push(`onnx/${basename(written.externalDataPath)}`);
      }
    }
    files.push(`onnx/${name}`);
  }
  return { dir, files };
}
