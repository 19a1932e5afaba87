/**
 * Child process of `deno task bench`: exports a DistilBERT safetensors checkpoint to ONNX and
 * prints `{ seconds, peakRssBytes }` as JSON, so the export's memory is measured on its own.
 * Usage: `deno run -A lib/cli/bench_export.ts <config.json> <model.safetensors> <out.onnx>`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { buildDistilBertGraph, parseDistilBertConfig, readSafetensors } from "../model/mod.ts";
import { writeModel } from "../onnx/mod.ts";
import { residentMemory } from "../bench/mod.ts";

if (import.meta.main) {
  const [configPath, weightsPath, outPath] = Deno.args;
  const started = performance.now();
  const config = parseDistilBertConfig(await readFile(configPath, "utf8"), configPath);
  const weights = await readSafetensors(weightsPath);
  await writeModel(outPath, buildDistilBertGraph(config, weights));
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ seconds, peakRssBytes: residentMemory().peak }));
}
