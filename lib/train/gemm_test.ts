import assert from "node:assert/strict";
import { makeBatches } from "../data/batch.ts";
import { randomDistilBertWeights } from "../model/random.ts";
import { initTf, tfBackendInfo } from "./backend.ts";
import { TfDistilBert } from "./distilbert.ts";
import { GEMM_ENV, type GemmBackend, GemmChoiceError, gemmInfo, selectGemm } from "./gemm.ts";
import { NATIVE_BLAS_MISSING } from "./_gemm_test_support.ts";
import { NativeBlasUnavailableError } from "./native_blas.ts";
import { train } from "./train.ts";
import { syntheticExamples, TINY_CONFIG } from "./_test_support.ts";

await initTf();
const started = gemmInfo();

Deno.test("auto falls back to WebAssembly where no BLAS loads, and says so once", () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    const missing = "/nowhere/libopenblas.so.0";
    const first = selectGemm({ gemm: "auto", library: missing });
    const second = selectGemm({ gemm: "auto", library: missing });
    assert.equal(first.backend, "wasm");
    assert.equal(second.backend, "wasm");
    assert.match(first.note!, /\/nowhere\/libopenblas\.so\.0: /);
    assert.match(first.note!, /apt-get install libopenblas0-pthread/);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /WebAssembly kernels.*\/nowhere\/libopenblas\.so\.0/);
    assert.equal(tfBackendInfo().gemm.backend, "wasm");
  } finally {
    console.warn = warn;
    selectGemm({ gemm: started.backend });
  }
});

Deno.test("without --allow-ffi, auto runs on WebAssembly and says why once; native fails", async () => {
  const fixture = new URL("./_gemm_fixture.ts", import.meta.url).pathname;
  const run = async (gemm: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-env", "--allow-read", fixture],
      env: { [GEMM_ENV]: gemm },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { ...out, err: new TextDecoder().decode(out.stderr) };
  };
  const auto = await run("auto");
  assert.equal(auto.code, 0, auto.err);
  const [first, second] = JSON.parse(new TextDecoder().decode(auto.stdout));
  assert.deepEqual([first.backend, second.backend], ["wasm", "wasm"]);
  assert.match(first.note, /needs FFI permission; run with --allow-ffi/);
  const lines = auto.err.trim().split("\n");
  assert.equal(lines.length, 1, auto.err);
  assert.match(
    lines[0],
    /^training engine: matrix products on the WebAssembly kernels.*--allow-ffi/,
  );
  const native = await run("native");
  assert.notEqual(native.code, 0);
  assert.match(native.err, /NativeBlasUnavailableError.*--allow-ffi/);
});

Deno.test("native insists: a library that does not load is an error naming it and the fix", () => {
  assert.throws(
    () => selectGemm({ gemm: "native", library: "/nowhere/libblas.so" }),
    (error: Error) =>
      error instanceof NativeBlasUnavailableError && /\/nowhere\/libblas\.so/.test(error.message) &&
      /WORKSHOP_BLAS_LIBRARY/.test(error.message),
  );
  selectGemm({ gemm: started.backend });
});

Deno.test("WORKSHOP_TRAIN_GEMM picks the backend; an unknown value is an error", () => {
  const before = Deno.env.get(GEMM_ENV);
  try {
    Deno.env.set(GEMM_ENV, "wasm");
    assert.equal(selectGemm().backend, "wasm");
    Deno.env.set(GEMM_ENV, "openblas");
    assert.throws(() => selectGemm(), GemmChoiceError);
    assert.throws(() => selectGemm(), /WORKSHOP_TRAIN_GEMM=openblas/);
  } finally {
    if (before === undefined) Deno.env.delete(GEMM_ENV);
    else Deno.env.set(GEMM_ENV, before);
    selectGemm({ gemm: started.backend });
  }
});

Deno.test({
  name: "native: the library, its description and the engine's thread count are reported",
  ignore: NATIVE_BLAS_MISSING !== undefined,
  fn() {
    try {
      const info = selectGemm({ gemm: "native" });
      assert.equal(info.backend, "native");
      assert.ok(info.library && info.description, JSON.stringify(info));
      assert.equal(info.threads, tfBackendInfo().threads);
      assert.deepEqual(tfBackendInfo().gemm, info);
    } finally {
      selectGemm({ gemm: started.backend });
    }
  },
});

Deno.test({
  name: "a seeded short fine-tune gives the same accuracy and nearly the same losses on both GEMMs",
  ignore: NATIVE_BLAS_MISSING !== undefined,
  async fn() {
    const init = randomDistilBertWeights(TINY_CONFIG, { seed: 21, std: 0.2 });
    const heldOut = syntheticExamples(64, 3);
    const validation = makeBatches(heldOut.encoded, heldOut.labels, { batchSize: 16 });
    const run = async (backend: GemmBackend) => {
      selectGemm({ gemm: backend });
      const model = await TfDistilBert.fromWeights(TINY_CONFIG, init);
      try {
        return await train(model, { ...syntheticExamples(256, 4), validation }, {
          progress: false,
          log: false,
          handleSigint: false,
          seed: 3,
          epochs: 4,
          batchSize: 16,
          learningRate: 1e-2,
          warmupSteps: 5,
          weightDecay: 0,
        });
      } finally {
        model.dispose();
        selectGemm({ gemm: started.backend });
      }
    };
    const wasm = await run("wasm");
    const native = await run("native");
    const accuracy = (r: typeof wasm) => r.evals.at(-1)!.accuracy;
    assert.ok(accuracy(wasm) > 0.8, `the run learns the rule: accuracy ${accuracy(wasm)}`);
    assert.equal(accuracy(native), accuracy(wasm));
    assert.equal(native.history.length, wasm.history.length);
    native.history.forEach((r, i) => {
      const other = wasm.history[i].loss;
      assert.ok(
        Math.abs(r.loss - other) <= 1e-4 * Math.max(1, other),
        `step ${i}: ${r.loss} vs ${other}`,
      );
    });
  },
});
