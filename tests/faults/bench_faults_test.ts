/**
 * Fault injection against `deno task bench`'s suite runner: a failing suite loses nothing,
 * results are on disk after every suite, and suites that need an unreachable model are skipped
 * with a note.
 */
import assert from "node:assert/strict";
import {
  type BenchContext,
  type BenchReport,
  type BenchRow,
  type BenchSuite,
  machineInfo,
  runBenchSuites,
} from "../../lib/bench/mod.ts";
import { BENCH_SUITES } from "../../lib/cli/bench.ts";
import { loadHubConfig } from "../../lib/model/mod.ts";
import { closedPort } from "../../lib/hub/_testing.ts";

function row(model: string, medianMs: number): BenchRow {
  return {
    model,
    variant: "fp32",
    batch: 1,
    seq: 128,
    medianMs,
    p90Ms: medianMs * 1.1,
    sizeBytes: 1000,
    runs: 5,
  };
}

async function withOutDir(body: (dir: string, context: BenchContext) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "bench-" });
  try {
    await body(dir, { outDir: dir, quick: true, modelId: "a/b", baseModelPath: "unused.onnx" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a suite that throws is recorded with its error; the suites before and after keep their rows", async () => {
  await withOutDir(async (dir, context) => {
    const path = `${dir}/bench.json`;
    let seenOnDisk: BenchReport | undefined;
    const suites: BenchSuite[] = [
      {
        name: "first",
        description: "one row",
        run: () => Promise.resolve({ rows: [row("m1", 3.5)], measurements: [] }),
      },
      {
        name: "broken",
        description: "throws after a while",
        async run() {
          seenOnDisk = JSON.parse(await Deno.readTextFile(path)); // written after "first"
          throw new RangeError("model config has dim 0");
        },
      },
      {
        name: "last",
        description: "a measurement",
        run: () =>
          Promise.resolve({
            rows: [],
            measurements: [{ name: "export time", value: 12.5, unit: "s" }],
          }),
      },
    ];
    const report = await runBenchSuites({
      suites,
      context,
      machine: await machineInfo(),
      path,
      log: () => {},
    });
    assert.equal(seenOnDisk?.complete, false);
    assert.deepEqual(seenOnDisk?.rows.map((r) => r.medianMs), [3.5], "rows on disk mid-run");
    const onDisk: BenchReport = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(report)));
    assert.equal(onDisk.complete, true);
    assert.deepEqual(
      onDisk.suites.map((s) => [s.suite, s.status, s.error]),
      [
        ["first", "ok", undefined],
        ["broken", "failed", "RangeError: model config has dim 0"],
        ["last", "ok", undefined],
      ],
    );
    assert.deepEqual(onDisk.rows.map((r) => [r.model, r.medianMs]), [["m1", 3.5]]);
    assert.deepEqual(onDisk.measurements.map((m) => m.value), [12.5]);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), [
      "bench.json",
    ]);
  });
});

Deno.test("suites that need an unreachable model are skipped with a note; the check runs once", async () => {
  await withOutDir(async (dir, context) => {
    let checks = 0;
    let modelRuns = 0;
    const needsModel = (name: string): BenchSuite => ({
      name,
      description: "trains the model",
      needsModel: true,
      run() {
        modelRuns++;
        return Promise.resolve({ rows: [], measurements: [] });
      },
    });
    const endpoint = `http://127.0.0.1:${closedPort()}`;
    const report = await runBenchSuites({
      suites: [
        {
          name: "quant",
          description: "no model needed",
          run: () => Promise.resolve({ rows: [row("random", 7)], measurements: [] }),
        },
        needsModel("train"),
        needsModel("qat"),
      ],
      context,
      machine: await machineInfo(),
      path: `${dir}/bench.json`,
      modelUnavailable() {
        checks++;
        return loadHubConfig("org/unreachable", {
          settings: { endpoint, offline: false, cacheDir: dir },
          progress: false,
        }).then(() => undefined, (e: Error) => `${e.name}: ${e.message}`);
      },
      log: () => {},
    });
    assert.equal(checks, 1);
    assert.equal(modelRuns, 0);
    assert.deepEqual(report.suites.map((s) => s.status), ["ok", "skipped", "skipped"]);
    assert.match(
      report.suites[1].note!,
      /^model a\/b cannot be fetched \(HubNetworkError: cannot reach http:\/\/127\.0\.0\.1:/,
    );
    assert.deepEqual(report.rows.map((r) => r.medianMs), [7]);
    const onDisk: BenchReport = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    assert.deepEqual(onDisk.suites.map((s) => s.status), ["ok", "skipped", "skipped"]);
  });
});

Deno.test("deno task bench marks the suites that load the named model as needing it", () => {
  assert.deepEqual(
    BENCH_SUITES.filter((s) => s.needsModel).map((s) => s.name),
    ["tune", "train", "qat", "prune-step"],
  );
});
