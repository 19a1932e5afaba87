import assert from "node:assert/strict";
import { join } from "node:path";
import { unzipSync, zipSync } from "fflate";
import { defaultHubMirrorDir } from "../../../tests/support/hub_server.ts";
import { parseDistilBertConfig } from "../config.ts";
import type { WeightMap } from "../weights.ts";
import {
  byteswap,
  detectCheckpointFormat,
  parseTorchCheckpoint,
  readTorchCheckpoint,
  TorchCheckpointError,
  UnsafePickleError,
} from "./mod.ts";
import { extendedTest, MIRROR } from "../../../tests/support/extended.ts";

const FIXTURES = new URL("../../../data/fixtures/torch/", import.meta.url);
const ZIP = new URL("tiny_zip.pt", FIXTURES).pathname;
const LEGACY = new URL("tiny_legacy.pt", FIXTURES).pathname;
const TINY = join(defaultHubMirrorDir(), "standin/distilbert-tiny-uncased-mrpc-bin/resolve/main");
const hex = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));

/** The fixture's tensors as data/fixtures/torch/make_fixtures.py defines them. */
function expectedFixture(): Map<string, { shape: number[]; values: number[] }> {
  const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  // lin.weight is the transpose of the row-major [4, 3] matrix M[r][c] = 10 + 3r + c
  const lin = range(12, (k) => 10 + 3 * (k % 4) + Math.floor(k / 4));
  return new Map([
    ["embed.weight", { shape: [3, 4], values: range(12, (i) => i * 0.25 - 1) }],
    ["lin.weight", { shape: [3, 4], values: lin }],
    ["half.weight", { shape: [2, 3], values: [0.5, -1.5, 2, 65504, 2 ** -24, -0] }],
    ["shared.a", { shape: [4], values: [0, 1, 2, 3] }],
    ["shared.b", { shape: [2, 3], values: [4, 5, 6, 7, 8, 9] }],
    ["position_ids", { shape: [1, 5], values: [0, 1, 2, 3, 4] }],
    ["bf16.bias", { shape: [3], values: [1, -2, 0.5] }],
    ["double.scale", { shape: [2], values: [Math.fround(0.1), 3] }],
    ["scalar", { shape: [], values: [7] }],
  ]);
}

function assertFixture(weights: WeightMap) {
  const expected = expectedFixture();
  assert.deepEqual([...weights.keys()], [...expected.keys()]);
  for (const [name, { shape, values }] of expected) {
    const tensor = weights.get(name)!;
    assert.deepEqual(tensor.shape, shape, name);
    assert.ok(tensor.data instanceof Float32Array, name);
    assert.deepEqual([...tensor.data], values, name);
  }
  assert.ok(Object.is(weights.get("half.weight")!.data[5], -0));
}

Deno.test("readTorchCheckpoint: zip fixture (fp16, bf16, f64, int64, transposed, shared, 0-d)", async () => {
  const bytes = await Deno.readFile(ZIP);
  assert.equal(detectCheckpointFormat(bytes), "zip");
  const weights = await readTorchCheckpoint(ZIP);
  assertFixture(weights);
  // tensors that share a storage come out as independent arrays
  const a = weights.get("shared.a")!.data;
  const b = weights.get("shared.b")!.data;
  assert.notEqual(a.buffer, b.buffer);
  a[0] = 100;
  assert.equal(b[0], 4);
  // the sole user of an owned float32 storage takes its buffer over (no second copy)
  assert.equal(weights.get("embed.weight")!.data.buffer.byteLength, 48);
});

Deno.test("readTorchCheckpoint: legacy fixture, including a storage view", async () => {
  const bytes = await Deno.readFile(LEGACY);
  assert.equal(detectCheckpointFormat(bytes), "legacy");
  assertFixture(await readTorchCheckpoint(LEGACY));
});

Deno.test("parseTorchCheckpoint: deflated entries and big-endian byteorder", async () => {
  const entries = unzipSync(await Deno.readFile(ZIP));
  assertFixture(parseTorchCheckpoint(zipSync(entries, { level: 6 }), "deflated.pt"));
  const sizes: Record<string, number> = { 0: 4, 1: 4, 2: 2, 3: 4, 4: 8, 5: 2, 6: 8, 7: 4 };
  const big: Record<string, Uint8Array> = {
    ...entries,
    "archive/byteorder": new TextEncoder().encode("big"),
  };
  for (const [key, size] of Object.entries(sizes)) {
    big[`archive/data/${key}`] = byteswap(entries[`archive/data/${key}`], size);
  }
  assertFixture(parseTorchCheckpoint(zipSync(big, { level: 0 }), "big.pt"));
});

Deno.test("parseTorchCheckpoint: integers: 'skip' leaves integer buffers out", async () => {
  const weights = parseTorchCheckpoint(await Deno.readFile(ZIP), "tiny_zip.pt", {
    integers: "skip",
  });
  assert.equal(weights.has("position_ids"), false);
  assert.equal(weights.size, 8);
});

extendedTest(
  "readTorchCheckpoint: the tiny stand-in's legacy pytorch_model.bin",
  MIRROR,
  async () => {
    const config = parseDistilBertConfig(await Deno.readTextFile(`${TINY}/config.json`));
    assert.deepEqual([config.dim, config.hiddenDim, config.nLayers, config.vocabSize], [
      64,
      256,
      2,
      30522,
    ]);
    const started = performance.now();
    const weights = await readTorchCheckpoint(`${TINY}/pytorch_model.bin`);
    const ms = performance.now() - started;
    const { dim, hiddenDim: hidden } = config;
    const expected = new Map<string, number[]>([
      ["distilbert.embeddings.word_embeddings.weight", [config.vocabSize, dim]],
      ["distilbert.embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, dim]],
      ["distilbert.embeddings.LayerNorm.weight", [dim]],
      ["distilbert.embeddings.LayerNorm.bias", [dim]],
    ]);
    for (let l = 0; l < config.nLayers; l++) {
      const p = `distilbert.transformer.layer.${l}`;
      for (const lin of ["q_lin", "k_lin", "v_lin", "out_lin"]) {
        expected.set(`${p}.attention.${lin}.weight`, [dim, dim]);
        expected.set(`${p}.attention.${lin}.bias`, [dim]);
      }
      expected.set(`${p}.sa_layer_norm.weight`, [dim]).set(`${p}.sa_layer_norm.bias`, [dim]);
      expected.set(`${p}.ffn.lin1.weight`, [hidden, dim]).set(`${p}.ffn.lin1.bias`, [hidden]);
      expected.set(`${p}.ffn.lin2.weight`, [dim, hidden]).set(`${p}.ffn.lin2.bias`, [dim]);
      expected.set(`${p}.output_layer_norm.weight`, [dim]).set(`${p}.output_layer_norm.bias`, [
        dim,
      ]);
    }
    expected.set("pre_classifier.weight", [dim, dim]).set("pre_classifier.bias", [dim]);
    expected.set("classifier.weight", [config.numLabels, dim]).set("classifier.bias", [
      config.numLabels,
    ]);
    assert.deepEqual(new Set(weights.keys()), new Set(expected.keys()));
    for (const [name, shape] of expected) {
      const { shape: got, data } = weights.get(name)!;
      assert.deepEqual(got, shape, name);
      assert.equal(data.length, shape.reduce((a, b) => a * b, 1), name);
      assert.ok(data.every(Number.isFinite), `${name} has non-finite values`);
    }
    // Reference values read from the same file by CPython's own pickle module + struct.
    const lin1 = weights.get("distilbert.transformer.layer.1.ffn.lin1.weight")!.data;
    assert.deepEqual([...lin1.slice(0, 3)], [
      0.019163962453603745,
      -0.020493648946285248,
      -0.011082918383181095,
    ]);
    assert.equal(lin1[255 * 64 + 63], -0.021592505276203156);
    let sum = 0;
    for (const v of lin1) sum += v;
    assert.ok(Math.abs(sum - 0.9328926478914354) < 1e-9, `sum ${sum}`);
    const ln = weights.get("distilbert.transformer.layer.0.sa_layer_norm.weight")!.data;
    assert.ok(ln.some((v) => v !== 1), "LayerNorm gains were trained, not left at 1");
    console.log(
      `tiny stand-in legacy .bin (8.4 MB): ${weights.size} tensors in ${ms.toFixed(0)} ms`,
    );
  },
);

const EVIL_PICKLE = // pickle.dumps(<object reducing to os.system("echo pwned")>, protocol=2)
  hex("800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e");

Deno.test("parseTorchCheckpoint refuses a zip checkpoint whose data.pkl calls os.system", () => {
  const zip = zipSync({ "archive/data.pkl": EVIL_PICKLE, "archive/version": new Uint8Array([51]) });
  assert.throws(() => parseTorchCheckpoint(zip, "evil.bin"), (error: unknown) => {
    assert.ok(error instanceof UnsafePickleError);
    assert.equal(error.global, "posix.system");
    assert.match(
      error.message,
      /^evil\.bin:archive\/data\.pkl: byte 2: .*posix\.system.*safetensors/,
    );
    return true;
  });
});

Deno.test("parseTorchCheckpoint refuses a legacy checkpoint with a malicious or module pickle", () => {
  const header = hex(
    "80028a0a6cfc9c46f9206aa850192e" + "80024de9032e" + "80027d2e", // magic, 1001, sys_info {}
  );
  const concat = (a: Uint8Array, b: Uint8Array) => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  };
  assert.throws(
    () => parseTorchCheckpoint(concat(header, EVIL_PICKLE), "evil.bin"),
    /posix\.system/,
  );
  // torch.save(model) pickles the module class itself
  const module = Uint8Array.from(
    "\x80\x02ctransformers.models.distilbert.modeling_distilbert\n" +
      "DistilBertForSequenceClassification\n)\x81.",
    (c) => c.charCodeAt(0),
  );
  assert.throws(
    () => parseTorchCheckpoint(concat(header, module), "model.pt"),
    (error: unknown) => {
      assert.ok(error instanceof UnsafePickleError);
      assert.equal(
        error.global,
        "transformers.models.distilbert.modeling_distilbert.DistilBertForSequenceClassification",
      );
      return true;
    },
  );
});

/** 512 bytes with a POSIX tar header's `ustar` magic, as torch < 0.4 checkpoints start. */
function tarLike(): Uint8Array {
  const bytes = new Uint8Array(512);
  bytes.set(new TextEncoder().encode("storages"));
  bytes.set(new TextEncoder().encode("ustar"), 257);
  return bytes;
}

extendedTest(
  "parseTorchCheckpoint: truncated, corrupt and foreign files are named errors",
  MIRROR,
  async () => {
    const tiny = await Deno.readFile(`${TINY}/pytorch_model.bin`);
    const zip = await Deno.readFile(ZIP);
    const entries = unzipSync(zip);
    const shortStorage = zipSync({
      ...entries,
      "archive/data/0": entries["archive/data/0"].slice(0, 20),
    });
    const torchscript = zipSync({
      ...entries,
      "archive/constants.pkl": new Uint8Array([0x80, 2, 0x4e, 0x2e]),
    });
    const cases: [string, Uint8Array, RegExp][] = [
      ["legacy cut inside a storage", tiny.slice(0, tiny.length - 1000), /truncated/],
      ["legacy cut inside the pickle", tiny.slice(0, 2000), /truncated/],
      ["zip cut in half", zip.slice(0, zip.length >> 1), /not a readable zip archive/],
      ["zip with a short storage", shortStorage, /archive\/data\/0 holds 20 bytes.*needs 48/],
      ["TorchScript archive", torchscript, /TorchScript/],
      ["a safetensors file", new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 0x7b]), /neither a zip nor/],
      ["empty", new Uint8Array(0), /neither a zip nor/],
      ["pre-0.4 tar checkpoint", tarLike(), /tar checkpoint of PyTorch < 0\.4/],
    ];
    for (const [label, bytes, pattern] of cases) {
      assert.throws(() => parseTorchCheckpoint(bytes, "ckpt.bin"), (error: unknown) => {
        assert.ok(error instanceof TorchCheckpointError, `${label}: ${error}`);
        assert.match(error.message, /^ckpt\.bin/, label);
        assert.match(error.message, pattern, label);
        return true;
      });
    }
    await assert.rejects(
      readTorchCheckpoint("/nonexistent/pytorch_model.bin"),
      /nonexistent.*cannot be read/,
    );
  },
);
