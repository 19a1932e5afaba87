/**
 * Fault injection against the PyTorch checkpoint reader: flipped bits, zip bombs, lying sizes,
 * truncation and hostile pickles — each a named error that names the file and the fix, and
 * nothing half-written left behind.
 */
import assert from "node:assert/strict";
import { unzipSync, zipSync } from "fflate";
import {
  loadClassifier,
  parseTorchCheckpoint,
  readTorchCheckpoint,
  toHubConfigJson,
  TorchCheckpointError,
  UnsafePickleError,
} from "../../lib/model/mod.ts";
import { withHub } from "../support/with_hub.ts";
import { TINY_DISTILBERT } from "../support/tiny_distilbert.ts";
import { listFiles, tempMirror } from "./_support.ts";

const ZIP = new URL("../../data/fixtures/torch/tiny_zip.pt", import.meta.url);

/** Offset of the central-directory record of entry `name`. */
function centralRecord(zip: Uint8Array, name: string): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = 0; i + 46 <= zip.length; i++) {
    if (view.getUint32(i, true) !== 0x02014b50) continue;
    const length = view.getUint16(i + 28, true);
    if (new TextDecoder().decode(zip.subarray(i + 46, i + 46 + length)) === name) return i;
  }
  throw new Error(`no central record for ${name}`);
}

/** Where entry `name`'s data starts (after its local header). */
function dataStart(zip: Uint8Array, name: string): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const local = view.getUint32(centralRecord(zip, name) + 42, true);
  return local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
}

function setDeclaredSize(zip: Uint8Array, name: string, size: number): void {
  new DataView(zip.buffer, zip.byteOffset).setUint32(centralRecord(zip, name) + 24, size, true);
}

function checkpointError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseTorchCheckpoint(bytes, "ckpt.bin"), (error: unknown) => {
    assert.ok(error instanceof TorchCheckpointError, String(error));
    assert.match(error.message, /^ckpt\.bin: /);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("one flipped bit in a stored tensor fails the entry's CRC-32, naming file and entry", async () => {
  const zip = await Deno.readFile(ZIP);
  const good = parseTorchCheckpoint(zip.slice(), "ckpt.bin");
  assert.ok(good.size > 0);
  zip[dataStart(zip, "archive/data/0") + 3] ^= 0x80; // a float's sign or exponent bit
  checkpointError(
    zip,
    /entry archive\/data\/0 fails its CRC-32 check \(recorded 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\); the file is truncated or corrupt: download it again/,
  );
});

Deno.test("one flipped bit in data.pkl fails its CRC-32", async () => {
  const zip = await Deno.readFile(ZIP);
  zip[dataStart(zip, "archive/data.pkl") + 100] ^= 0x01;
  checkpointError(zip, /entry archive\/data\.pkl fails its CRC-32 check/);
});

Deno.test("entries the pickle does not name are never inflated (a broken extra entry is ignored)", async () => {
  const entries = unzipSync(await Deno.readFile(ZIP));
  const zip = zipSync({
    ...entries,
    "archive/extra/bomb": [new Uint8Array(4_000_000), { level: 9 }],
  });
  const start = dataStart(zip, "archive/extra/bomb");
  zip.fill(0xff, start, start + 64); // its deflate stream is now invalid
  const weights = parseTorchCheckpoint(zip, "ckpt.bin");
  const reference = parseTorchCheckpoint(await Deno.readFile(ZIP), "ckpt.bin");
  assert.deepEqual([...weights.keys()], [...reference.keys()]);
  for (const [name, weight] of reference) {
    assert.deepEqual(weights.get(name)!.data, weight.data, name);
  }
});

Deno.test("a deflated entry that inflates past its declared size stops with a clear error", async () => {
  const entries = unzipSync(await Deno.readFile(ZIP));
  const pickle = entries["archive/data.pkl"];
  const zip = zipSync({ ...entries, "archive/data.pkl": [pickle, { level: 6 }] });
  setDeclaredSize(zip, "archive/data.pkl", pickle.length - 100);
  checkpointError(
    zip,
    new RegExp(
      `entry archive/data\\.pkl inflates past its declared ${pickle.length - 100} bytes ` +
        "\\(a zip bomb or a damaged archive\\)",
    ),
  );
});

Deno.test("a declared size no deflate stream can reach is refused before inflating", async () => {
  const entries = unzipSync(await Deno.readFile(ZIP));
  const zip = zipSync({
    ...entries,
    "archive/data.pkl": [entries["archive/data.pkl"], { level: 6 }],
  });
  setDeclaredSize(zip, "archive/data.pkl", 2_000_000_000);
  checkpointError(
    zip,
    /declares 2000000000 bytes, more than its \d+ compressed bytes can inflate to/,
  );
});

Deno.test("a zip cut short is named: no end of central directory, download it again", async () => {
  const zip = await Deno.readFile(ZIP);
  checkpointError(zip.slice(0, zip.length - 30), /not a readable zip archive.*download it again/);
});

const EVIL_PICKLE = Uint8Array.from(
  "800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e"
    .match(/../g)!,
  (h) => parseInt(h, 16),
);

Deno.test("a hostile pickle served by the hub is refused; nothing ran and no export was written", async () => {
  const evil = zipSync({
    "archive/data.pkl": EVIL_PICKLE,
    "archive/version": new Uint8Array([51]),
  });
  const root = await tempMirror({
    "local/evil-bin@main:config.json": JSON.stringify(toHubConfigJson(TINY_DISTILBERT)),
    "local/evil-bin@main:pytorch_model.bin": evil,
  });
  try {
    await withHub({ root }, async ({ cacheDir, settings }) => {
      const error = await loadClassifier("local/evil-bin", { settings, progress: false })
        .catch((e) => e);
      assert.ok(error instanceof UnsafePickleError, String(error));
      assert.equal(error.global, "posix.system");
      assert.match(error.message, /pytorch_model\.bin:archive\/data\.pkl: byte 2/);
      assert.match(error.message, /refused without running anything.*safetensors/);
      const files = await listFiles(cacheDir);
      assert.ok(!files.some((f) => f.startsWith("exports/")), files.join(", "));
      assert.ok(!files.some((f) => f.includes(".tmp-")), files.join(", "));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a legacy (pre-zip) hostile pickle is refused the same way", async () => {
  const header = Uint8Array.from(
    ("80028a0a6cfc9c46f9206aa850192e" + "80024de9032e" + "80027d2e").match(/../g)!,
    (h) => parseInt(h, 16),
  );
  const bytes = new Uint8Array(header.length + EVIL_PICKLE.length);
  bytes.set(header);
  bytes.set(EVIL_PICKLE, header.length);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/pytorch_model.bin`, bytes);
    await assert.rejects(readTorchCheckpoint(`${dir}/pytorch_model.bin`), (error: unknown) => {
      assert.ok(error instanceof UnsafePickleError, String(error));
      assert.ok(error.message.startsWith(`${dir}/pytorch_model.bin`), error.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
