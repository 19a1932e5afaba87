/**
 * `deno task run` on a YAML config (the stand-in's outlier twin, a few trials), then
 * `deno task reproduce` on its report: identical figures, and the manifest's hashes equal
 * `sha256sum` of the cached files; a tampered input hash makes reproduce exit non-zero. A config
 * with a mistake is refused with its key path and line. A technique that trains (pruning, quick
 * profile) runs and reproduces the same way.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./support/hub_server.ts";
import { STANDINS } from "./support/mirror.ts";
import { runTask } from "./support/run_task.ts";

Deno.test("deno task run and deno task reproduce on the stand-in's outlier twin", async () => {
  const dir = await Deno.makeTempDir();
  const cache = join(dir, "hub-cache");
  const server = await startHubServer();
  const env = { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache };
  try {
    const config = join(dir, "run.yaml");
    await Deno.writeTextFile(
      config,
      [
        "name: e2e",
        "model:",
        `  id: ${STANDINS.mini}`,
        "  outlier_twin: { factor: 1000, channels: 4 }",
        "dataset: { split: validation, limit: 48 }",
        "calibration: { samples: 16 }",
        "strategy: bayesian",
        "budget: { max_trials: 3 }",
        "threads: 1",
        `output: ${join(dir, "out")}`,
        "",
      ].join("\n"),
    );
    const run = await runTask("run", { args: [config], env });
    assert.equal(run.code, 0, run.stderr);
    const path = join(dir, "out", "report.json");
    const report = JSON.parse(await Deno.readTextFile(path));
    assert.equal(report.task, "run");
    assert.equal(report.manifest.task, "run");
    assert.equal(report.manifest.config.strategy, "bayesian");
    assert.equal(report.manifest.threads.intraOp, 1);
    assert.match(report.result.predictionsSha256, /^[0-9a-f]{64}$/);
    assert.ok(report.result.trials >= 1 && report.result.trials <= 3);
    // The manifest's hashes are sha256sum's of the cached files.
    const inputs = Object.entries(report.manifest.inputs as Record<string, string>);
    assert.ok(inputs.some(([p]) => p.endsWith(".parquet")), inputs.map(([p]) => p).join("\n"));
    assert.ok(inputs.some(([p]) => p.endsWith("config.json")));
    for (const [file, hash] of inputs) {
      const out = await new Deno.Command("sha256sum", { args: [file], stdout: "piped" }).output();
      assert.equal(new TextDecoder().decode(out.stdout).split(" ")[0], hash, file);
    }

    const again = await runTask("reproduce", { args: [path], env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /reproduced/);
    assert.match(again.stdout, /predictions sha256/);

    const [first] = inputs;
    report.manifest.inputs[first[0]] = "0".repeat(64);
    await Deno.writeTextFile(path, JSON.stringify(report));
    const tampered = await runTask("reproduce", { args: [path], env });
    assert.equal(tampered.code, 1);
    assert.match(tampered.stdout, /DIFFERS/);

    await Deno.writeTextFile(config, "model:\n  id: x\nbudget:\n  max_trails: 3\n");
    const bad = await runTask("run", { args: [config], env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /run\.yaml:4: budget\.max_trails: unknown key/);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task run: a pruning run (quick profile) writes its figures and reproduces", async () => {
  const dir = await Deno.makeTempDir();
  const server = await startHubServer();
  const env = {
    HF_ENDPOINT: server.url,
    HF_HUB_CACHE: join(dir, "hub-cache"),
    WORKSHOP_QUICK: "1",
  };
  try {
    const config = join(dir, "prune.yaml");
    await Deno.writeTextFile(
      config,
      [
        `model: { id: ${STANDINS.mini} }`,
        "technique: pruning",
        "pruning: { sparsity: 0.5, finetune_epochs: 0 }",
        "dataset: { split: validation, limit: 40 }",
        "criterion: { absolute: 0.5 }",
        "threads: 1",
        `output: ${join(dir, "out")}`,
        "",
      ].join("\n"),
    );
    const run = await runTask("run", { args: [config], env });
    assert.equal(run.code, 0, run.stderr);
    const path = join(dir, "out", "report.json");
    const report = JSON.parse(await Deno.readTextFile(path));
    const { result, manifest } = report;
    assert.equal(result.technique, "pruning");
    assert.equal(result.model, "model.onnx");
    assert.equal(manifest.config.profile, "quick", "WORKSHOP_QUICK is written into the config");
    assert.ok(Math.abs(result.details.sparsity - 0.5) < 0.01, String(result.details.sparsity));
    assert.ok(result.details.train.updates > 0);
    assert.ok(result.best.agreement > 0 && result.best.agreement <= 1);
    assert.ok(result.best.maxAbsLogitError > 0, "pruning changed the logits");
    assert.ok(result.best.meanAbsLogitError <= result.best.maxAbsLogitError);
    assert.equal(result.met, result.best.accuracy >= result.baseline.accuracy - 0.5 - 1e-9);
    assert.match(result.predictionsSha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(report.history, []);
    const onnx = await Deno.stat(join(dir, "out", "model.onnx"));
    assert.equal(onnx.size, result.best.sizeBytes);
    assert.ok(Object.keys(manifest.inputs).some((p) => p.endsWith("model.safetensors")));

    const again = await runTask("reproduce", { args: [path], env: { ...env, WORKSHOP_QUICK: "" } });
    console.log(again.stdout);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /reproduced/);
    assert.match(again.stdout, /best agreement/);
    assert.match(again.stdout, /best max \|logit error\|/);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
