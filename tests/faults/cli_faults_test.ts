/**
 * Fault injection on the command line of `deno task quantize` and `deno task demo`: empty,
 * contradictory, out-of-range and unknown flags are refused before any work (the hub server sees
 * no request; for unknown `--exclude` node names, the model is loaded but nothing is calibrated),
 * with an error that names the flag and the fix, and nothing is written. A tuning run that misses
 * its criterion exits with status 3 and still writes its whole output folder.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RUN_MARKER } from "../../lib/fs/mod.ts";
import { EXIT_CRITERION_MISSED } from "../../lib/cli/main.ts";
import { FIXTURE_HUB_DIR, type HubServer, startHubServer } from "../support/hub_server.ts";
import { runTask, type TaskResult } from "../support/run_task.ts";

const MODEL = "fixture/distilbert-tiny-mrpc";

interface Run {
  result: TaskResult;
  server: HubServer;
  /** The temporary folder the run's paths are in (removed after `check`). */
  parent: string;
}

/** Runs `task` with `args` (`{parent}` replaced by a fresh temporary folder) against the fixture hub. */
async function run(
  task: string,
  args: string[],
  check: (run: Run) => Promise<void> | void,
  prepare?: (parent: string) => Promise<void>,
): Promise<void> {
  const parent = await Deno.makeTempDir({ prefix: "cli-faults-" });
  const server = await startHubServer({ root: FIXTURE_HUB_DIR });
  try {
    await prepare?.(parent);
    const result = await runTask(task, {
      args: args.map((a) => a.replaceAll("{parent}", parent)),
      env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: join(parent, "cache"), WORKSHOP_QUICK: "1" },
    });
    await server.close();
    await check({ result, server, parent });
  } finally {
    await server.close();
    await Deno.remove(parent, { recursive: true });
  }
}

async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

/** Refused before any work: status 1, the error, no request to the hub, nothing written. */
function refusedBeforeWork(name: RegExp, ...messages: RegExp[]) {
  return async ({ result, server, parent }: Run) => {
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, name);
    for (const m of messages) assert.match(result.stderr, m);
    assert.deepEqual(server.requests, [], "no download before the flags were checked");
    const left = (await entries(parent)).filter((e) => e !== "notes.txt" && e !== "photos");
    assert.deepEqual(left, [], "nothing written");
  };
}

const CASES: [string, string, string[], (run: Run) => Promise<void>][] = [
  [
    "quantize",
    "--out ''",
    ["--model", MODEL, "--out", ""],
    refusedBeforeWork(/UsageError: --out is empty/, /pass the folder to write/),
  ],
  [
    "quantize",
    "--model ''",
    ["--model", "", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: --model is empty/, /pass a hub model id/),
  ],
  [
    "quantize",
    "--revision ''",
    ["--model", MODEL, "--revision", "", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: --revision is empty/, /branch, tag or commit/),
  ],
  [
    "quantize",
    "--exclude ''",
    ["--model", MODEL, "--exclude", "", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: --exclude is empty/, /node names separated by commas/),
  ],
  [
    "quantize",
    "--method with --approach dynamic",
    ["--model", MODEL, "--approach", "dynamic", "--method", "entropy", "--out", "{parent}/o"],
    refusedBeforeWork(
      /UsageError: --method is for --approach static only/,
      /drop --method or use --approach static/,
    ),
  ],
  ["quantize", "--format with --approach dynamic", [
    "--model",
    MODEL,
    "--approach",
    "dynamic",
    "--format",
    "qoperator",
    "--out",
    "{parent}/o",
  ], refusedBeforeWork(/UsageError: --format is for --approach static only/)],
  ["quantize", "--samples with --approach dynamic, no --tune", [
    "--model",
    MODEL,
    "--approach",
    "dynamic",
    "--samples",
    "8",
    "--out",
    "{parent}/o",
  ], refusedBeforeWork(/UsageError: --samples is for --approach static only/)],
  ["quantize", "--max-trials without --tune", [
    "--model",
    MODEL,
    "--max-trials",
    "3",
    "--out",
    "{parent}/o",
  ], refusedBeforeWork(/UsageError: --max-trials sets the tuner: add --tune/)],
  ["quantize", "--strategy without --tune", [
    "--model",
    MODEL,
    "--strategy",
    "random",
    "--out",
    "{parent}/o",
  ], refusedBeforeWork(/UsageError: --strategy sets the tuner: add --tune/)],
  ["quantize", "--max-trials 0", [
    "--model",
    MODEL,
    "--tune",
    "--max-trials",
    "0",
    "--out",
    "{parent}/o",
  ], refusedBeforeWork(/UsageError: --max-trials "0" must be a whole number of trials, ≥ 1/)],
  [
    "quantize",
    "--samples 2.5",
    ["--model", MODEL, "--samples", "2.5", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: --samples "2\.5" must be a whole number of MRPC pairs/),
  ],
  [
    "quantize",
    "--relative-loss 2",
    ["--model", MODEL, "--tune", "--relative-loss", "2", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: --relative-loss 2 must be a fraction of FP32 accuracy below 1/),
  ],
  [
    "quantize",
    "--approach fast",
    ["--model", MODEL, "--approach", "fast", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: --approach fast is not one of dynamic, static/),
  ],
  [
    "quantize",
    "an unknown flag",
    ["--model", MODEL, "--bogus", "--out", "{parent}/o"],
    refusedBeforeWork(/UsageError: Unknown option '--bogus'/, /deno task quantize --help/),
  ],
  ["quantize", "--out a file", ["--model", MODEL, "--out", "{parent}/notes.txt"], async (run) => {
    await refusedBeforeWork(
      /OutputDirError: .*notes\.txt is a file, not a folder/,
      /move the file away/,
    )(run);
    assert.equal(await Deno.readTextFile(join(run.parent, "notes.txt")), "keep me");
  }],
  [
    "quantize",
    "--out under a file",
    ["--model", MODEL, "--out", "{parent}/notes.txt/int8"],
    refusedBeforeWork(
      /OutputDirError: .*notes\.txt\/int8 cannot be created: .*notes\.txt is a file/,
    ),
  ],
  [
    "quantize",
    "--out a folder of other files",
    ["--model", MODEL, "--out", "{parent}/photos"],
    async (run) => {
      await refusedBeforeWork(
        /OutputDirError: .*photos holds files the kit did not write/,
        /pass a new or empty folder/,
      )(run);
      assert.deepEqual(await entries(join(run.parent, "photos")), ["holiday.jpg"]);
    },
  ],
  [
    "demo",
    "--model ''",
    ["--model", "", "--out", "{parent}/o"],
    refusedBeforeWork(/WorkshopOptionsError: modelId \(--model\) is empty/, /pass a hub model id/),
  ],
  [
    "demo",
    "--out ''",
    ["--model", MODEL, "--out", ""],
    refusedBeforeWork(
      /OutputDirError: The output folder is an empty path/,
      /pass the folder to write/,
    ),
  ],
  [
    "demo",
    "an unknown flag",
    ["--modle", MODEL],
    refusedBeforeWork(/UsageError: Unknown option '--modle'/, /deno task demo --help/),
  ],
];

async function prepareFiles(parent: string): Promise<void> {
  await Deno.writeTextFile(join(parent, "notes.txt"), "keep me");
  await Deno.mkdir(join(parent, "photos"));
  await Deno.writeTextFile(join(parent, "photos", "holiday.jpg"), "precious");
}

for (const [task, what, args, check] of CASES) {
  Deno.test(`deno task ${task} refuses ${what} before any work, naming the flag and the fix`, () =>
    run(task, args, check, prepareFiles));
}

Deno.test("deno task quantize: unknown --exclude node names are refused after loading, before calibrating, with near matches", async () => {
  const typo = "/distilbert/transformer/layer.0/attention/q_lin/Matmul";
  await run(
    "quantize",
    ["--model", MODEL, "--exclude", `${typo},nope`, "--out", "{parent}/o"],
    async ({ result, server, parent }) => {
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        /WorkshopOptionsError: excludeNodes \(--exclude\): no nodes named/,
      );
      assert.ok(
        result.stderr.includes(
          `"${typo}" (did you mean "/distilbert/transformer/layer.0/attention/q_lin/MatMul"`,
        ),
        result.stderr,
      );
      assert.match(result.stderr, /"nope" \(no near match\)/);
      assert.match(result.stderr, /in fixture\/distilbert-tiny-mrpc, which has \d+ nodes/);
      assert.ok(
        server.requests.some((r) => r.endsWith("/onnx/model.onnx")),
        "the model was loaded",
      );
      assert.ok(!server.requests.some((r) => r.includes("train-")), "no calibration data fetched");
      assert.deepEqual(await entries(parent), ["cache"], "no output folder, no temporary folder");
    },
  );
});

Deno.test("deno task quantize --tune that misses its criterion exits 3 and writes the best model whole", async () => {
  await run(
    "quantize",
    [
      "--model",
      MODEL,
      "--tune",
      "--max-trials",
      "2",
      "--relative-loss=-0.5",
      "--out",
      "{parent}/o",
    ],
    async ({ result, parent }) => {
      assert.equal(result.code, EXIT_CRITERION_MISSED, result.stderr);
      assert.equal(EXIT_CRITERION_MISSED, 3);
      assert.match(result.stdout, /No configuration met ≥ 50% relative gain/);
      assert.match(
        result.stderr,
        /no configuration met the criterion: wrote the best one found; exit status 3/,
      );
      assert.deepEqual(await entries(join(parent, "o")), [
        RUN_MARKER,
        "config.json",
        "onnx",
        "report.html",
        "report.json",
        "tokenizer.json",
        "tokenizer_config.json",
      ]);
      const report = JSON.parse(await Deno.readTextFile(join(parent, "o", "report.json")));
      assert.equal(report.tuner.met, false, "the report says the criterion was missed");
      assert.deepEqual(await entries(join(parent, "o", "onnx")), [
        "model.onnx",
        "model_quantized.onnx",
      ]);
      assert.deepEqual((await entries(parent)).filter((e) => e.includes(".tmp-")), []);
    },
  );
});

Deno.test("deno task quantize --tune that meets its criterion exits 0", async () => {
  await run(
    "quantize",
    [
      "--model",
      MODEL,
      "--tune",
      "--max-trials",
      "1",
      "--relative-loss",
      "0.5",
      "--out",
      "{parent}/o",
    ],
    ({ result }) => {
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /exit status 3/);
    },
  );
});
