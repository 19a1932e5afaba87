import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./support/hub_server.ts";
import { mirrorRepoDir, STANDINS } from "./support/mirror.ts";
import { runTask } from "./support/run_task.ts";
import { CHROMIUM, extendedStep, extendedTest, MIRROR } from "./support/extended.ts";
import { renderPage } from "./support/chromium.ts";

async function trainingSummary(repo: string): Promise<{ dev_accuracy: number; dev_f1: number }> {
  return JSON.parse(await Deno.readTextFile(join(mirrorRepoDir(repo), "training_summary.json")));
}

for (const repo of [STANDINS.mini, STANDINS.tiny]) {
  extendedTest(
    `deno task demo on ${repo}: online, then offline from the cache with the server stopped`,
    MIRROR,
    async (t) => {
      const cache = await Deno.makeTempDir();
      const out = await Deno.makeTempDir();
      const server = await startHubServer();
      const env = { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache, WORKSHOP_QUICK: "1" };
      try {
        const online = await runTask("demo", { args: ["--model", repo, "--out", out], env });
        assert.equal(online.code, 0, online.stderr);
        // Each load of a repo without onnx/model.onnx asks the hub for it (a 404 is not cached):
        // one request means the classifier was loaded once and handed to every step.
        const onnxProbes = server.requests.filter((r) =>
          r === `HEAD /${repo}/resolve/main/onnx/model.onnx`
        );
        assert.equal(onnxProbes.length, 1, server.requests.join("\n"));
      } finally {
        await server.close();
      }
      const report = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
      assert.equal(report.model, repo);
      assert.equal(report.dataset, "glue/mrpc:validation");
      const fp32 = report.results.find((r: { name: string }) => r.name === "fp32");
      // PyTorch's own evaluation of the same weights on the 408 validation pairs.
      const summary = await trainingSummary(repo);
      assert.ok(Math.abs(fp32.accuracy - summary.dev_accuracy) < 1e-9, `accuracy ${fp32.accuracy}`);
      assert.ok(Math.abs(fp32.f1 - summary.dev_f1) < 1e-9, `f1 ${fp32.f1}`);
      assert.ok(fp32.latencyMs.b1 > 0 && fp32.latencyMs.b8 > fp32.latencyMs.b1 / 2);
      assert.ok(fp32.sizeBytes > 1_000_000);
      for (const name of ["int8-dynamic", "int8-static"]) {
        const int8 = report.results.find((r: { name: string }) => r.name === name);
        assert.ok(int8, `${name} in report.json`);
        assert.ok(int8.agreement >= 0.95, `${name} agrees with FP32 on ${int8.agreement}`);
        assert.ok(int8.maxAbsLogitError < 0.25, `${name} max |Δlogit| ${int8.maxAbsLogitError}`);
        assert.ok(
          Math.abs(int8.accuracy - fp32.accuracy) <= 0.01 * fp32.accuracy,
          `${name} accuracy ${int8.accuracy} vs ${fp32.accuracy}`,
        );
        assert.ok(int8.sizeBytes <= 0.3 * fp32.sizeBytes, `${name} is ${int8.sizeBytes} bytes`);
      }
      assert.equal(typeof report.tuner?.met, "boolean", "report.json holds the tuner's result");
      assert.ok(report.tuner.history.length >= 1);
      const html = await Deno.readTextFile(join(out, "report.html"));
      assert.match(html, /Plotly\.newPlot/);
      assert.match(html, /<td>fp32<\/td>/);
      // Statistics with every number: intervals, McNemar, flips, interleaved speed-ups.
      assert.equal(report.comparison.reference, "fp32");
      assert.equal(
        report.comparison.rows,
        fp32.confusion.flat().reduce((a: number, b: number) => a + b, 0),
      );
      for (const name of ["int8-dynamic", "int8-static"]) {
        const c = report.comparison.candidates[name];
        const r = report.results.find((x: { name: string }) => x.name === name);
        assert.equal(c.flipped.length, Math.round((1 - r.agreement) * report.comparison.rows));
        assert.ok(c.mcnemar.pValue > 0 && c.mcnemar.pValue <= 1);
        assert.ok(r.latency.speedup.b8.low <= r.latency.speedup.b8.estimate);
      }
      await extendedStep(t, "report.html draws every chart offline", CHROMIUM, async () => {
        const page = await renderPage(join(out, "report.html"));
        assert.deepEqual(page.errors, []);
        // Summary, agreement, margin shift, tuner history, error atlas, profiler waterfall.
        assert.deepEqual([page.renderedPlots, page.plotDivs], [6, 6]);
      });

      const offlineOut = await Deno.makeTempDir();
      const offline = await runTask("demo", {
        args: ["--model", repo, "--out", offlineOut],
        env: { ...env, HF_HUB_OFFLINE: "1" },
      });
      assert.equal(offline.code, 0, offline.stderr);
      const again = JSON.parse(await Deno.readTextFile(join(offlineOut, "report.json")));
      assert.equal(again.results[0].accuracy, fp32.accuracy);
      for (const dir of [cache, out, offlineOut]) await Deno.remove(dir, { recursive: true });
    },
  );
}

Deno.test("deno task demo with an unknown model id fails with a message naming the id and revision", async () => {
  const cache = await Deno.makeTempDir();
  const server = await startHubServer();
  try {
    const result = await runTask("demo", {
      args: ["--model", "standin/no-such-model", "--out", cache],
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: cache, WORKSHOP_QUICK: "1" },
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /standin\/no-such-model/);
    assert.match(result.stderr, /main/);
    assert.match(result.stderr, /HubNotFoundError/);
  } finally {
    await server.close();
    await Deno.remove(cache, { recursive: true });
  }
});
