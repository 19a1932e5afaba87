import assert from "node:assert/strict";
import { join } from "node:path";
import { runManifest } from "../../report/mod.ts";
import { type ExperimentReport, reproduceReport } from "./mod.ts";

/** A run report whose manifest hashes two real files, and a rerun that returns `now`. */
async function fixture() {
  const dir = await Deno.makeTempDir();
  const model = join(dir, "model.onnx");
  const data = join(dir, "validation.parquet");
  await Deno.writeFile(model, new Uint8Array([1, 2, 3]));
  await Deno.writeFile(data, new Uint8Array([4, 5]));
  const result: ExperimentReport["result"] = {
    met: true,
    message: "Met",
    strategy: "bayesian",
    baseline: { accuracy: 0.75, f1: 0.8, sizeBytes: 100 },
    best: {
      index: 3,
      accuracy: 0.745,
      f1: 0.79,
      latencyMs: 10,
      sizeBytes: 40,
      fallback: ["layer.1"],
      recipe: {},
    },
    trials: 4,
    trialsToSuccess: 4,
    predictionsSha256: "ab",
    seconds: 1,
  };
  const report = {
    task: "run",
    result,
    history: [],
    manifest: await runManifest({
      task: "run",
      config: { model: { id: "m" } },
      inputs: [model, data],
    }),
  };
  const path = join(dir, "report.json");
  await Deno.writeTextFile(path, JSON.stringify(report));
  return { path, model, result };
}

Deno.test("reproduce: the same inputs and figures reproduce; latency within its tolerance", async () => {
  const { path, result } = await fixture();
  let outDir = "";
  const { ok, rows, table } = await reproduceReport(path, {
    rerun: (_report, dir) => {
      outDir = dir;
      return Promise.resolve({ result: { ...result, best: { ...result.best, latencyMs: 12 } } });
    },
  });
  console.log(table.toString());
  assert.equal(ok, true);
  assert.equal(rows.filter((r) => r.figure.startsWith("sha256 ")).length, 2);
  assert.equal(rows.find((r) => r.figure === "best latency (ms)")?.now, 12);
  await assert.rejects(Deno.stat(outDir), Deno.errors.NotFound, "the temporary folder is removed");
});

Deno.test("reproduce: a changed model file is detected by its hash", async () => {
  const { path, model, result } = await fixture();
  await Deno.writeFile(model, new Uint8Array([1, 2, 4]));
  const { ok, rows } = await reproduceReport(path, { rerun: () => Promise.resolve({ result }) });
  assert.equal(ok, false);
  assert.deepEqual(rows.filter((r) => !r.ok).map((r) => r.figure), [`sha256 ${model}`]);
});

Deno.test("reproduce: a changed result is detected (accuracy, predictions, latency out of noise)", async () => {
  const { path, result } = await fixture();
  const { ok, rows } = await reproduceReport(path, {
    rerun: () =>
      Promise.resolve({
        result: {
          ...result,
          predictionsSha256: "cd",
          best: { ...result.best, accuracy: 0.74, latencyMs: 30 },
        },
      }),
  });
  assert.equal(ok, false);
  assert.deepEqual(rows.filter((r) => !r.ok).map((r) => r.figure), [
    "best accuracy",
    "predictions sha256",
    "best latency (ms)",
  ]);
});

Deno.test("reproduce: a technique's own figures are compared (training loss, sparsity), not its times", async () => {
  const { path, result } = await fixture();
  const details = { sparsity: 0.5, train: { updates: 24, finalLoss: 0.61, seconds: 30 } };
  const report = JSON.parse(await Deno.readTextFile(path));
  report.result = { ...result, technique: "pruning", details };
  await Deno.writeTextFile(path, JSON.stringify(report));
  const rerun = (train: Record<string, number>) => () =>
    Promise.resolve({
      result: { ...result, technique: "pruning", details: { ...details, train } },
    });
  const slower = await reproduceReport(path, {
    rerun: rerun({ updates: 24, finalLoss: 0.61, seconds: 45 }),
  });
  assert.equal(slower.ok, true);
  assert.deepEqual(
    slower.rows.filter((r) => r.figure.startsWith("pruning ")).map((r) => r.figure),
    ["pruning sparsity", "pruning train.updates", "pruning train.finalLoss"],
  );
  const drifted = await reproduceReport(path, {
    rerun: rerun({ updates: 24, finalLoss: 0.6100001, seconds: 30 }),
  });
  assert.equal(drifted.ok, false);
  assert.deepEqual(drifted.rows.filter((r) => !r.ok).map((r) => r.figure), [
    "pruning train.finalLoss",
  ]);
});

/** A report of `task` (its figures in `figures`) whose manifest hashes one real file. */
async function taskFixture(task: string, figures: Record<string, unknown>) {
  const dir = await Deno.makeTempDir();
  const model = join(dir, "model.onnx");
  await Deno.writeFile(model, new Uint8Array([7]));
  const manifest = await runManifest({ task, config: {}, inputs: [model] });
  const path = join(dir, "report.json");
  await Deno.writeTextFile(path, JSON.stringify({ task, ...figures, manifest }));
  return path;
}

const variant = (name: string, accuracy: number) => ({
  name,
  accuracy,
  f1: 0.8,
  agreement: 1,
  latencyMs: { b1: 2, b8: 9 },
  sizeBytes: 100,
  predictionsSha256: `${name}-hash`,
});

Deno.test("reproduce: a quantize report compares each variant, its predictions, the INT8 file and the tuner", async () => {
  const then = {
    results: [variant("fp32", 0.75), variant("int8-static", 0.74)],
    predictionsSha256: { fp32: "a", "int8-static": "b" },
    quantize: { modelSha256: "m" },
    tuner: { met: true, history: [{}, {}] },
  };
  const path = await taskFixture("quantize", then);
  const same = await reproduceReport(path, { rerun: () => Promise.resolve(then) });
  assert.equal(same.ok, true);
  assert.equal(same.rows.length, 1 + 2 * 4 + 2 + 1 + 2);
  const changed = await reproduceReport(path, {
    rerun: () =>
      Promise.resolve({
        ...then,
        predictionsSha256: { fp32: "a", "int8-static": "c" },
        quantize: { modelSha256: "n" },
        tuner: { met: true, history: [{}, {}, {}] },
      }),
  });
  assert.deepEqual(changed.rows.filter((r) => !r.ok).map((r) => r.figure), [
    "int8-static predictions sha256",
    "INT8 model sha256",
    "tuner trials",
  ]);
});

Deno.test("reproduce: a prune report compares each variant, sparsity, updates and the model file", async () => {
  const then = {
    variants: [variant("dense", 0.75), variant("pruned", 0.7)],
    sparsity: { overall: 0.5 },
    train: { updates: 24 },
    modelSha256: "m",
  };
  const path = await taskFixture("prune", then);
  assert.equal((await reproduceReport(path, { rerun: () => Promise.resolve(then) })).ok, true);
  const changed = await reproduceReport(path, {
    rerun: () =>
      Promise.resolve({
        ...then,
        variants: [variant("dense", 0.75), { ...variant("pruned", 0.71), predictionsSha256: "x" }],
        modelSha256: "n",
      }),
  });
  assert.deepEqual(changed.rows.filter((r) => !r.ok).map((r) => r.figure), [
    "pruned accuracy",
    "pruned predictions sha256",
    "pruned model sha256",
  ]);
});

Deno.test("reproduce: a report without a manifest, or of an unknown task, is refused by name", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "report.json");
  await Deno.writeTextFile(path, JSON.stringify({ results: [] }));
  await assert.rejects(reproduceReport(path), /has no manifest: .*quantize, prune/);
  await assert.rejects(
    reproduceReport(await taskFixture("distill", {})),
    /report task "distill" cannot be re-run; deno task reproduce knows run, demo, quantize and prune/,
  );
});
