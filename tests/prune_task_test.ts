import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./support/hub_server.ts";
import { mirrorRepoDir, STANDINS } from "./support/mirror.ts";
import { runTask } from "./support/run_task.ts";
import { CHROMIUM, extendedStep } from "./support/extended.ts";
import { renderPage } from "./support/chromium.ts";
import { findLinears, readModel, tensorToFloat32 } from "../lib/onnx/mod.ts";
import { sha256File } from "../lib/report/mod.ts";

/** The model's shapes (the mirror's mini stand-in, or the fixture hub's tiny model). */
const CONFIG = JSON.parse(
  Deno.readTextFileSync(join(mirrorRepoDir(STANDINS.mini), "config.json")),
) as { dim: number; hidden_dim: number; n_layers: number; n_heads: number };

/** Runs `deno task prune` on the hub server (quick profile) with a fresh cache. */
async function prune(args: string[]) {
  const cache = await Deno.makeTempDir();
  const server = await startHubServer();
  try {
    const result = await runTask("prune", {
      args: ["--model", STANDINS.mini, ...args],
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache, WORKSHOP_QUICK: "1" },
    });
    const files: string[] = [];
    for await (const e of walk(cache)) files.push(e);
    return { ...result, cachedFiles: files };
  } finally {
    await server.close();
    await Deno.remove(cache, { recursive: true });
  }
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) yield* walk(path);
    else yield path;
  }
}

const REFUSED: Array<{ why: string; args: string[]; message: RegExp }> = [
  {
    why: "sparsity 1",
    args: ["--sparsity", "1"],
    message: /sparsity \(--sparsity\) 1 is outside \[0, 1\)/,
  },
  { why: "negative sparsity", args: ["--sparsity=-0.1"], message: /--sparsity\) -0.1 is outside/ },
  {
    why: "a pattern that does not divide the weights",
    args: ["--pattern", "3x1", "--sparsity", "0.5"],
    message: /pattern 3x1: 3 does not divide the \d+ rows .* pick a block that divides/,
  },
  {
    why: "an N:M pattern that does not divide the rows",
    args: ["--pattern", "2:3", "--sparsity", "0.3"],
    message: /pattern 2:3: 3 does not divide the \d+ inputs/,
  },
  {
    why: "an unknown criterion",
    args: ["--criterion", "hessian", "--sparsity", "0.5"],
    message: /criterion \(--criterion\): no criterion is named "hessian"; use one of magnitude/,
  },
  {
    why: "an unknown pattern",
    args: ["--pattern", "diagonal", "--sparsity", "0.5"],
    message: /no pattern is named "diagonal"; use one of unstructured/,
  },
  {
    why: "every head of a layer",
    args: ["--heads", "0.9"],
    message: /prunes (\d+) of the \1 heads .* every head of the layer; keep at least one/,
  },
  {
    why: "heads fraction 1",
    args: ["--heads", "1"],
    message: /heads \(--heads\) 1 is outside \[0, 1\)/,
  },
  {
    why: "--sparsity with a structured pattern",
    args: ["--pattern", "ffn", "--sparsity", "0.5"],
    message: /give --ffn F and\/or --heads F/,
  },
  {
    why: "--ffn with an element pattern",
    args: ["--pattern", "2:4", "--ffn", "0.5"],
    message: /drop --pattern/,
  },
  { why: "an unknown schedule", args: ["--schedule", "linear"], message: /--schedule linear/ },
  {
    why: "a fractional epoch count",
    args: ["--sparsity", "0.5", "--finetune-epochs", "1.5"],
    message: /finetuneEpochs \(--finetune-epochs\) is 1.5/,
  },
];

for (const { why, args, message } of REFUSED) {
  Deno.test(`deno task prune refuses ${why} before any work`, async () => {
    const out = join(await Deno.makeTempDir(), "pruned");
    const result = await prune([...args, "--out", out]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, message);
    await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
    // At most config.json was read: no weights, no dataset.
    const read = result.cachedFiles.filter((f) => !f.includes(".locks") && !f.endsWith(".json"));
    assert.deepEqual(read.filter((f) => /safetensors|\.bin$|parquet|\.onnx$/.test(f)), []);
  });
}

Deno.test("deno task prune: 50% unstructured magnitude writes hub layout and report.json", async (t) => {
  const out = join(await Deno.makeTempDir(), "pruned");
  const result = await prune(["--sparsity", "0.5", "--finetune-epochs", "0", "--out", out]);
  assert.equal(result.code, 0, result.stderr);
  for (
    const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]
  ) {
    assert.ok((await Deno.stat(join(out, file))).isFile, file);
  }
  const report = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
  assert.equal(report.criterion, "magnitude");
  assert.equal(report.sparsity.overall, 0.5);
  assert.equal(report.sparsity.byLayer.length, CONFIG.n_layers);
  for (const l of report.sparsity.byLayer) assert.equal(l.sparsity, 0.5);
  assert.equal(report.train.updates, 1);
  assert.deepEqual(report.variants.map((v: { name: string }) => v.name), ["dense", "pruned"]);
  const [dense, pruned] = report.variants;
  assert.equal(dense.agreement, 1);
  assert.ok(pruned.agreement > 0.5 && pruned.agreement <= 1, `agreement ${pruned.agreement}`);
  assert.ok(pruned.accuracy > 0.3 && pruned.f1 >= 0, `accuracy ${pruned.accuracy}`);
  assert.ok(pruned.latencyMs.b1 > 0 && pruned.latencyMs.b8 > 0);
  // The exported graph really holds the zeros: half of every transformer Linear weight.
  const model = await readModel(join(out, "onnx", "model.onnx"));
  const last = `layer.${CONFIG.n_layers - 1}/ffn/lin1`;
  const lin1 = findLinears(model.graph).find((l) => l.node.name.includes(last))!;
  const w = tensorToFloat32(lin1.weight);
  assert.equal(w.filter((x) => x === 0).length, w.length / 2);
  // The manifest: the resolved configuration, the seeds, and the SHA-256 of every input (the
  // model's repo files and the MRPC splits read; the cache is gone with the server).
  assert.equal(report.task, "prune");
  const { manifest } = report;
  assert.equal(manifest.task, "prune");
  assert.deepEqual(
    [manifest.config.criterion, manifest.config.sparsity, manifest.config.schedule],
    ["magnitude", 0.5, "oneshot"],
  );
  assert.deepEqual([manifest.config.finetuneEpochs, manifest.config.profile], [0, "quick"]);
  assert.deepEqual(manifest.seeds, { train: 0, criterion: 0 });
  assert.ok(manifest.threads.train >= 1);
  const inputs = Object.keys(manifest.inputs);
  assert.equal(inputs.filter((p) => p.endsWith(".parquet")).length, 2, inputs.join("\n"));
  assert.ok(inputs.some((p) => /model\.safetensors$|pytorch_model\.bin$/.test(p)));
  assert.ok(Object.values(manifest.inputs).every((h) => /^[0-9a-f]{64}$/.test(h as string)));
  assert.equal(report.modelSha256, await sha256File(join(out, "onnx", "model.onnx")));
  for (const v of report.variants) assert.match(v.predictionsSha256, /^[0-9a-f]{64}$/);
  const html = await Deno.readTextFile(join(out, "report.html"));
  assert.doesNotMatch(html, /<script src=/);
  for (const id of ["summary", "statistics", "sparsity", "run"]) {
    assert.match(html, new RegExp(`<section id="${id}">`), id);
  }
  assert.match(html, /Run manifest/);
  await extendedStep(t, "report.html draws every chart offline", CHROMIUM, async () => {
    const page = await renderPage(join(out, "report.html"));
    assert.deepEqual(page.errors, []);
    // Summary, agreement, margin shift.
    assert.deepEqual([page.renderedPlots, page.plotDivs], [3, 3]);
  });
  Deno.removeSync(out, { recursive: true });
});

Deno.test("deno task prune: 50% FFN + 25% heads shrinks the graph, config carries the sizes", async () => {
  const out = join(await Deno.makeTempDir(), "structured");
  const result = await prune([
    "--ffn",
    "0.5",
    "--heads",
    "0.25",
    "--finetune-epochs",
    "0",
    "--int8",
    "--out",
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
  assert.deepEqual(report.targets, [
    { pattern: "ffn", sparsity: 0.5 },
    { pattern: "head", sparsity: 0.25 },
  ]);
  const { dim, hidden_dim: hidden, n_layers: layers, n_heads: heads } = CONFIG;
  const headsGone = Math.round(0.25 * heads);
  assert.deepEqual(
    report.structured.layers,
    Array(layers).fill({ heads: heads - headsGone, ffnUnits: hidden / 2 }),
  );
  const [dense, pruned, int8] = report.variants;
  assert.equal(int8.name, "pruned + INT8");
  // Per layer: a head is dim/heads rows of q, k, v (with bias) and columns of out_lin; an FFN
  // unit a row of lin1 (with bias) and a column of lin2. FP32: 4 bytes each.
  const headParams = (dim / heads) * (4 * dim + 3);
  const removed = 4 * layers * (headsGone * headParams + (hidden / 2) * (2 * dim + 1));
  const shrink = dense.sizeBytes - pruned.sizeBytes;
  assert.ok(Math.abs(shrink - removed) < 0.01 * removed, `removed ${shrink} bytes`);
  assert.ok(int8.sizeBytes < pruned.sizeBytes / 2.5);
  const config = JSON.parse(await Deno.readTextFile(join(out, "config.json")));
  assert.equal(config.n_layers, layers);
  assert.deepEqual(
    config.layer_sizes,
    Array(layers).fill({ n_heads: heads - headsGone, hidden_dim: hidden / 2 }),
  );
  Deno.removeSync(out, { recursive: true });
});
