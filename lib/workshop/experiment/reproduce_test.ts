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
