import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { AutoModelForSequenceClassification, AutoTokenizer } from "@huggingface/transformers";
import { pairBatch, referencePairs, STANDINS } from "./support/mirror.ts";
import { runTask } from "./support/run_task.ts";
import { CHROMIUM, extendedStep } from "./support/extended.ts";
import { renderPage } from "./support/chromium.ts";
import { runTaskWithOut, withLocalTransformersJs } from "./support/task_output.ts";
import { batchFeeds, createSession } from "../lib/runtime/mod.ts";

Deno.test("deno task quantize writes a hub-layout folder that transformers.js loads with dtype q8", async () => {
  const { code, stderr, out, cache } = await runTaskWithOut("quantize", {
    args: ["--model", STANDINS.mini, "--approach", "static", "--samples", "16"],
    folder: "mini-int8",
  });
  assert.equal(code, 0, stderr);
  for (
    const file of [
      "config.json",
      "tokenizer.json",
      "tokenizer_config.json",
      "onnx/model.onnx",
      "onnx/model_quantized.onnx",
    ]
  ) {
    assert.ok((await Deno.stat(join(out, file))).isFile, file);
  }
  // Remove the FP32 file: with dtype "q8" transformers.js must load onnx/model_quantized.onnx.
  await Deno.remove(join(out, "onnx", "model.onnx"));
  try {
    await withLocalTransformersJs(out, (modelId) => checkQ8(out, modelId));
  } finally {
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(dirname(out), { recursive: true });
  }
});

/** transformers.js's q8 logits for a reference pair are the kit's own session's, and INT8's. */
async function checkQ8(out: string, modelId: string): Promise<void> {
  const tokenizer = await AutoTokenizer.from_pretrained(modelId);
  const model = await AutoModelForSequenceClassification.from_pretrained(modelId, {
    dtype: "q8",
  });
  const [pair] = await referencePairs(STANDINS.mini);
  const encoded = tokenizer(pair.sentence1, { text_pair: pair.sentence2 });
  assert.deepEqual(encoded.input_ids.tolist()[0].map(Number), pair.input_ids);
  const logits = (await model(encoded)).logits.tolist()[0] as number[];
  // The same file run by the kit's own ORT session gives the same logits.
  const ours = await createSession(join(out, "onnx", "model_quantized.onnx"));
  const batch = pairBatch(pair);
  const expected = (await ours.session.run(batchFeeds({ batch, inputNames: ours.inputNames })))
    .logits.data as Float32Array;
  logits.forEach((v, i) =>
    assert.ok(Math.abs(v - expected[i]) < 1e-5, `logit ${i}: ${v} vs ${expected[i]}`)
  );
  // …and they are INT8 logits, close to but not equal to PyTorch's FP32 ones.
  const error = Math.max(...pair.logits.map((v, i) => Math.abs(v - logits[i])));
  assert.ok(error > 1e-6 && error < 0.2, `INT8 vs FP32 logit error ${error}`);
  await ours.session.release();
  await model.dispose();
}

/** `sha256sum FILE`'s hash. */
async function sha256sum(file: string): Promise<string> {
  const out = await new Deno.Command("sha256sum", { args: [file], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split(" ")[0];
}

/**
 * Appends an unknown protobuf field (number 100, varint 1) to an ONNX file: parsers skip it, so
 * the model runs exactly as before, but its bytes (and SHA-256) change.
 */
async function touchOnnx(path: string): Promise<void> {
  const real = await Deno.realPath(path);
  const bytes = await Deno.readFile(real);
  await Deno.remove(real);
  await Deno.writeFile(real, new Uint8Array([...bytes, 0xa0, 0x06, 0x01]));
}

Deno.test("deno task quantize writes report.json with a manifest and report.html; deno task reproduce re-runs it", async (t) => {
  const { code, stderr, out, cache } = await runTaskWithOut("quantize", {
    args: ["--model", STANDINS.mini, "--approach", "static", "--samples", "16"],
    folder: "mini-report",
  });
  const env = { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: cache };
  try {
    assert.equal(code, 0, stderr);
    const path = join(out, "report.json");
    const report = JSON.parse(await Deno.readTextFile(path));
    assert.equal(report.task, "quantize");
    assert.deepEqual(report.results.map((r: { name: string }) => r.name), ["fp32", "int8-static"]);
    const [fp32, int8] = report.results;
    assert.equal(fp32.agreement, 1);
    assert.ok(int8.agreement > 0.8 && int8.agreement <= 1, `agreement ${int8.agreement}`);
    assert.ok(int8.maxAbsLogitError > 0 && int8.maxAbsLogitError < 1, `${int8.maxAbsLogitError}`);
    assert.ok(
      Math.abs(int8.accuracy - fp32.accuracy) < 0.05,
      `${int8.accuracy} vs ${fp32.accuracy}`,
    );
    assert.ok(int8.sizeBytes < fp32.sizeBytes / 2);
    assert.match(report.predictionsSha256["int8-static"], /^[0-9a-f]{64}$/);
    assert.equal(
      report.quantize.modelSha256,
      await sha256sum(join(out, "onnx", "model_quantized.onnx")),
    );
    const manifest = report.manifest;
    assert.equal(manifest.task, "quantize");
    assert.deepEqual(
      [manifest.config.approach, manifest.config.method, manifest.config.calibrationSamples],
      ["static", "minmax", 16],
    );
    assert.equal(manifest.config.quick, true);
    assert.equal(manifest.config.tune, false);
    assert.equal(manifest.seeds.bootstrap, 0);
    // The manifest's hashes are sha256sum's of the cached files: the model, its repo files and
    // the MRPC splits read (validation, and train for calibration).
    const inputs = Object.entries(manifest.inputs as Record<string, string>);
    assert.ok(inputs.some(([p]) => p.endsWith(".onnx")), inputs.map(([p]) => p).join("\n"));
    assert.ok(inputs.some(([p]) => p.endsWith("config.json")));
    assert.equal(inputs.filter(([p]) => p.endsWith(".parquet")).length, 2);
    for (const [file, hash] of inputs) assert.equal(await sha256sum(file), hash, file);
    const html = await Deno.readTextFile(join(out, "report.html"));
    assert.doesNotMatch(html, /<script src=/);
    for (const id of ["summary", "statistics", "flips", "run"]) {
      assert.match(html, new RegExp(`<section id="${id}">`), id);
    }
    assert.match(html, /Run manifest/);
    assert.ok(html.includes(inputs[0][1]), "the page lists the input hashes");
    await extendedStep(t, "report.html draws every chart offline", CHROMIUM, async () => {
      const page = await renderPage(join(out, "report.html"));
      assert.deepEqual(page.errors, []);
      // Summary, agreement, margin shift.
      assert.deepEqual([page.renderedPlots, page.plotDivs], [3, 3]);
    });

    // Offline, from the cache alone: the same figures (latency is timed on a shared machine).
    const args = [path, "--latency-tolerance", "20"];
    const again = await runTask("reproduce", { args, env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /reproduced/);
    for (
      const row of ["int8-static accuracy", "int8-static predictions sha256", "INT8 model sha256"]
    ) {
      assert.match(again.stdout, new RegExp(`${row} .* identical .* ok`), row);
    }

    // A changed model file (same graph, other bytes) is detected by its hash, and only by it.
    const [model] = inputs.find(([p]) => p.endsWith(".onnx"))!;
    await touchOnnx(model);
    const changed = await runTask("reproduce", { args, env });
    assert.equal(changed.code, 1, changed.stdout + changed.stderr);
    const differs = changed.stdout.split("\n").filter((l) => l.includes("DIFFERS"));
    assert.equal(differs.length, 1, changed.stdout);
    assert.match(differs[0], /sha256 .*\.onnx/);
  } finally {
    await Deno.remove(cache, { recursive: true });
    await Deno.remove(dirname(out), { recursive: true });
  }
});
