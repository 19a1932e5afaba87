/**
 * `runExperiment` for the techniques that transform the ONNX graph without training (fusion,
 * mixed precision, weight-only 4-bit, SmoothQuant before static INT8), in process on the hub
 * server's stand-in (or the fixture hub's tiny model), on a few validation pairs: each writes its
 * model and a report whose figures are the result scored against FP32, and a second run of the
 * same config reproduces every figure. Each run's `report.html` holds the summary, statistics and
 * manifest; the tuned one draws every chart in headless Chromium.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { STANDINS } from "../../../tests/support/mirror.ts";
import { withHub } from "../../../tests/support/with_hub.ts";
import { CHROMIUM, extendedStep } from "../../../tests/support/extended.ts";
import { renderPage } from "../../../tests/support/chromium.ts";
import { compareRunReports, parseExperimentConfig, runExperiment } from "./mod.ts";

const RUNS = [
  { technique: "fusion", extra: "fusion: { passes: default }" },
  { technique: "mixed_precision", extra: "mixed_precision: { target: fp16 }" },
  { technique: "weight_only", extra: "weight_only: { bits: 4, block_size: 32 }" },
  { technique: "quantization", extra: "smooth_quant: { alpha: 0.5 }\nbudget: { max_trials: 1 }" },
];

Deno.test("runExperiment: fusion, mixed precision, weight-only and SmoothQuant runs score against FP32 and reproduce", async (t) => {
  await withHub({}, async ({ settings, cacheDir }) => {
    const reports = new Map<string, Awaited<ReturnType<typeof runExperiment>>["report"]>();
    for (const { technique, extra } of RUNS) {
      const output = join(cacheDir, "runs", technique);
      const config = parseExperimentConfig(
        [
          `model: { id: ${STANDINS.mini} }`,
          `technique: ${technique}`,
          extra,
          "dataset: { split: validation, limit: 24 }",
          "calibration: { samples: 16 }",
          "threads: 1",
          `output: ${output}`,
          "",
        ].join("\n"),
        `${technique}.yaml`,
      );
      const { report, dir } = await runExperiment(config, { settings, progress: false });
      assert.equal(dir, output);
      const r = report.result;
      assert.equal(r.technique, technique);
      const file = await Deno.stat(join(dir, r.model!));
      assert.equal(file.size, r.best.sizeBytes, technique);
      assert.ok(r.best.agreement! >= 0 && r.best.agreement! <= 1);
      assert.ok(r.best.meanAbsLogitError! <= r.best.maxAbsLogitError!);
      assert.equal(report.manifest.task, "run");
      assert.equal((report.manifest.config as { technique: string }).technique, technique);
      reports.set(technique, report);
      const html = await Deno.readTextFile(join(dir, "report.html"));
      assert.doesNotMatch(html, /<script src=/);
      for (const id of ["summary", "statistics", "run"]) {
        assert.match(html, new RegExp(`<section id="${id}">`), `${technique}: ${id}`);
      }
      assert.match(html, /Run manifest/);
      if (technique === "quantization") {
        assert.match(html, /<section id="tuner">/);
        await extendedStep(
          t,
          "a run's report.html draws every chart offline",
          CHROMIUM,
          async () => {
            const page = await renderPage(join(dir, "report.html"));
            assert.deepEqual(page.errors, []);
            // Summary, agreement, margin shift, tuner history.
            assert.deepEqual([page.renderedPlots, page.plotDivs], [4, 4]);
          },
        );
      }
      const again = await runExperiment(config, {
        settings,
        progress: false,
        outDir: join(cacheDir, "again", technique),
        page: false,
      });
      const rows = compareRunReports(report, again.report);
      assert.deepEqual(rows.filter((row) => !row.ok), [], technique);
    }
    const fused = reports.get("fusion")!.result;
    assert.equal(fused.best.agreement, 1);
    assert.ok(fused.best.maxAbsLogitError! < 1e-4, String(fused.best.maxAbsLogitError));
    assert.ok((fused.details!.nodesAfter as number) < (fused.details!.nodesBefore as number));
    assert.equal(fused.best.accuracy, fused.baseline.accuracy);
    const fp16 = reports.get("mixed_precision")!.result;
    assert.ok(fp16.best.maxAbsLogitError! < 0.05, String(fp16.best.maxAbsLogitError));
    assert.ok(fp16.best.sizeBytes < 0.6 * fp16.baseline.sizeBytes);
    const q4 = reports.get("weight_only")!.result;
    // The embedding tables stay float (the stand-in's are most of its bytes); the Linears shrink.
    assert.ok(q4.best.sizeBytes < 0.8 * q4.baseline.sizeBytes, `${q4.best.sizeBytes}`);
    assert.ok((q4.details!.counts as { quantized: number }).quantized > 0);
    const smooth = reports.get("quantization")!.result;
    assert.equal(smooth.trials, 1);
    assert.ok((smooth.details!.smoothQuant as { groups: number }).groups > 0);
    assert.equal(smooth.model, "model_quantized.onnx");
  });
});
