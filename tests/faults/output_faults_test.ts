/**
 * Fault injection on output folders: runs killed at each point of `writeDirAtomic` (building, between
 * the two renames, removing the old folder; SIGINT, SIGTERM, SIGKILL), builds that fail, folders
 * that must not be replaced, and a model with external data copied by `--out`. Each case asserts
 * the error (names the thing and the fix) and what is left on disk: the output folder holds one
 * whole run — the previous or the new one — and no temporary folder survives a recovery.
 *
 * @module
 */
import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { basename, join } from "node:path";
import {
  checkOutputDir,
  OutputDirError,
  recoverOutputDir,
  RUN_MARKER,
  writeDirAtomic,
} from "../../lib/fs/mod.ts";
import { hubSettings } from "../../lib/hub/mod.ts";
import { readModel, writeModel } from "../../lib/onnx/mod.ts";
import { createSession } from "../../lib/runtime/mod.ts";
import { runDemo, workshopLoaders } from "../../lib/workshop/mod.ts";
import { FIXTURE_HUB_DIR, startHubServer } from "../support/hub_server.ts";
import { runTask } from "../support/run_task.ts";
import { fileMap, siblings } from "./_support.ts";

/** A process id above Linux's pid_max (2^22): no process has it, so its leftovers are stale. */
const DEAD_PID = 99999999;
const FIXTURE_MODEL = "fixture/distilbert-tiny-mrpc";

/** Every file under `dir` (relative path → text; the marker of a whole run as `"<marker>"`). */
function snapshot(dir: string): Promise<Record<string, string>> {
  return fileMap(
    dir,
    (path, name) => name === RUN_MARKER ? Promise.resolve("<marker>") : Deno.readTextFile(path),
  );
}

/** A whole earlier run in `dir`, written the kit's way. */
async function previousRun(dir: string): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await Deno.writeTextFile(join(tmp, "report.json"), "previous");
    await Deno.mkdir(join(tmp, "int8-static"));
    await Deno.writeTextFile(join(tmp, "int8-static", "model.onnx"), "previous model");
  });
}

const PREVIOUS = {
  [RUN_MARKER]: "<marker>",
  "report.json": "previous",
  "int8-static/model.onnx": "previous model",
};

async function withParent(body: (parent: string) => Promise<void>): Promise<void> {
  const parent = await Deno.makeTempDir({ prefix: "out-faults-" });
  try {
    await body(parent);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}

Deno.test("killed while building (SIGKILL): the next run sweeps the partial folder, the previous run stayed whole", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "run");
    await previousRun(dir);
    const partial = `${dir}.tmp-${DEAD_PID}-abc`;
    await Deno.mkdir(join(partial, "onnx"), { recursive: true });
    await Deno.writeTextFile(join(partial, "config.json"), "half");
    assert.deepEqual(await snapshot(dir), PREVIOUS, "the kill left the previous run whole");
    await writeDirAtomic(dir, (tmp) => Deno.writeTextFile(join(tmp, "report.json"), "new"));
    assert.deepEqual(await snapshot(dir), { [RUN_MARKER]: "<marker>", "report.json": "new" });
    assert.deepEqual(await siblings(dir), []);
  });
});

Deno.test("killed between the two renames: recovery renames the previous run back", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "run");
    await previousRun(dir);
    const old = `${dir}.old-${DEAD_PID}-x`;
    await Deno.rename(dir, old); // the first rename happened, the second did not
    await Deno.mkdir(`${dir}.tmp-${DEAD_PID}-y`);
    await Deno.writeTextFile(`${dir}.tmp-${DEAD_PID}-y/report.json`, "new");
    const done = await recoverOutputDir(dir);
    assert.equal(done.restored, old);
    assert.deepEqual(done.removed, [`${dir}.tmp-${DEAD_PID}-y`]);
    assert.deepEqual(await snapshot(dir), PREVIOUS);
    assert.deepEqual(await siblings(dir), []);
  });
});

Deno.test("killed while removing the old folder: recovery removes it and keeps the new run", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "run");
    await writeDirAtomic(dir, (tmp) => Deno.writeTextFile(join(tmp, "report.json"), "new"));
    // The swap happened; the process died before the previous run, set aside, was removed.
    await Deno.mkdir(`${dir}.old-${DEAD_PID}-z`);
    await Deno.writeTextFile(`${dir}.old-${DEAD_PID}-z/report.json`, "previous");
    const done = await recoverOutputDir(dir);
    assert.equal(done.restored, undefined);
    assert.deepEqual(done.removed, [`${dir}.old-${DEAD_PID}-z`]);
    assert.equal(await Deno.readTextFile(join(dir, "report.json")), "new");
    assert.deepEqual(await siblings(dir), []);
  });
});

Deno.test("leftovers of a process that still runs are not swept (concurrent runs)", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "run");
    const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      const live = `${dir}.tmp-${sleeper.pid}-live`;
      const dead = `${dir}.tmp-${DEAD_PID}-dead`;
      await Deno.mkdir(live);
      await Deno.mkdir(dead);
      const done = await recoverOutputDir(dir);
      assert.deepEqual(done.removed, [dead]);
      assert.deepEqual(await siblings(dir), [basename(live)]);
    } finally {
      sleeper.kill("SIGKILL");
      await sleeper.status;
    }
  });
});

Deno.test("a build that fails leaves the previous run whole and no temporary folder", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "run");
    await previousRun(dir);
    await assert.rejects(
      writeDirAtomic(dir, async (tmp) => {
        await Deno.writeTextFile(join(tmp, "config.json"), "new model's config");
        throw new RangeError("calibration failed");
      }),
      /calibration failed/,
    );
    assert.deepEqual(await snapshot(dir), PREVIOUS);
    assert.deepEqual(await siblings(dir), []);
  });
});

Deno.test("a folder of files the kit did not write is refused, not replaced", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "photos");
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, "holiday.jpg"), "precious");
    await assert.rejects(
      writeDirAtomic(dir, (tmp) => Deno.writeTextFile(join(tmp, "report.json"), "new")),
      (error: Error) => {
        assert.ok(error instanceof OutputDirError);
        assert.match(error.message, new RegExp(`${dir} holds files the kit did not write`));
        assert.match(error.message, /holiday\.jpg/);
        assert.match(error.message, /pass a new or empty folder/);
        return true;
      },
    );
    assert.deepEqual(await snapshot(dir), { "holiday.jpg": "precious" });
    assert.deepEqual(await siblings(dir), []);
  });
});

Deno.test("an output path that is a file, under a file, or empty is refused with the fix", async () => {
  await withParent(async (parent) => {
    const file = join(parent, "notes.txt");
    await Deno.writeTextFile(file, "keep me");
    await assert.rejects(checkOutputDir(file), (e: Error) => {
      assert.ok(e instanceof OutputDirError);
      assert.match(e.message, new RegExp(`${file} is a file, not a folder`));
      assert.match(e.message, /move the file away/);
      return true;
    });
    await assert.rejects(
      checkOutputDir(join(file, "run")),
      new RegExp(`${file} is a file, not a folder\\. Pass an output folder whose parents`),
    );
    await assert.rejects(checkOutputDir(""), /empty path .* pass the folder to write/);
    assert.equal(await Deno.readTextFile(file), "keep me");
    assert.deepEqual((await Array.fromAsync(Deno.readDir(parent))).map((e) => e.name), [
      "notes.txt",
    ]);
  });
});

const CHILD = fileURLToPath(new URL("./_atomic_dir_child.ts", import.meta.url));

for (
  const [signal, status] of [["SIGTERM", 143], ["SIGINT", 130], ["SIGKILL", undefined]] as const
) {
  Deno.test(`${signal} while building: ${status ? `exit ${status}, temporary folder removed` : "the next run sweeps the temporary folder"}, previous run whole`, async () => {
    await withParent(async (parent) => {
      const dir = join(parent, "run");
      await previousRun(dir);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, dir],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!seen.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      const tmp = /^building (.*)$/m.exec(seen)?.[1] ?? "";
      assert.ok(tmp.startsWith(`${dir}.tmp-${child.pid}-`), seen);
      assert.equal(await Deno.readTextFile(join(tmp, "a.txt")), "new");
      child.kill(signal);
      const ended = await child.status;
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
      assert.deepEqual(await snapshot(dir), PREVIOUS);
      if (status !== undefined) {
        assert.equal(ended.code, status);
        assert.deepEqual(await siblings(dir), []);
      } else {
        assert.equal(ended.signal, "SIGKILL");
        assert.deepEqual(await siblings(dir), [basename(tmp)]);
        const done = await recoverOutputDir(dir);
        assert.deepEqual(done.removed, [tmp]);
        assert.deepEqual(await siblings(dir), []);
      }
    });
  });
}

Deno.test("an interrupted demo leaves the previous demo folder whole (no new int8-dynamic beside the old report)", async () => {
  await withParent(async (parent) => {
    const dir = join(parent, "demo");
    await previousRun(dir);
    const server = await startHubServer({ root: FIXTURE_HUB_DIR });
    const kit = workshopLoaders();
    try {
      await assert.rejects(
        runDemo({
          modelId: FIXTURE_MODEL,
          outDir: dir,
          settings: hubSettings({ endpoint: server.url, cacheDir: join(parent, "cache") }),
          quick: true,
          progress: false,
          loaders: {
            // Static quantization calibrates on train pairs, after int8-dynamic was written.
            prepareMrpc: (split, options) => {
              if (split === "train") return Promise.reject(new Error("interrupted"));
              return kit.prepareMrpc(split, options);
            },
          },
        }),
        /interrupted/,
      );
    } finally {
      await server.close();
    }
    assert.deepEqual(await snapshot(dir), PREVIOUS);
    assert.deepEqual(await siblings(dir), []);
  });
});

Deno.test("deno task quantize --out copies the FP32 model's external data file; the folder's models load", async () => {
  await withParent(async (parent) => {
    // A hub with the fixture model re-written with its weights in onnx/model.onnx_data.
    const root = join(parent, "hub");
    const from = join(FIXTURE_HUB_DIR, FIXTURE_MODEL, "resolve", "main");
    const repo = join(root, "fixture", "external-data", "resolve", "main");
    await Deno.mkdir(join(repo, "onnx"), { recursive: true });
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"]) {
      await Deno.copyFile(join(from, file), join(repo, file));
    }
    const fp32 = await readModel(join(from, "onnx", "model.onnx"));
    const written = await writeModel(join(repo, "onnx", "model.onnx"), fp32, {
      externalData: true,
    });
    assert.ok(written.externalDataBytes! > 100_000, `${written.externalDataBytes} bytes external`);
    // The hub server serves no symlink leading out of its root: the MRPC sample is copied in.
    await cp(join(FIXTURE_HUB_DIR, "datasets"), join(root, "datasets"), { recursive: true });
    const server = await startHubServer({ root });
    const out = join(parent, "out");
    try {
      const result = await runTask("quantize", {
        args: ["--model", "fixture/external-data", "--approach", "dynamic", "--out", out],
        env: { HF_ENDPOINT: server.url, HF_HUB_CACHE: join(parent, "cache"), WORKSHOP_QUICK: "1" },
      });
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await server.close();
    }
    const data = await Deno.readFile(join(out, "onnx", "model.onnx_data"));
    assert.deepEqual(data, await Deno.readFile(join(repo, "onnx", "model.onnx_data")));
    const copied = await readModel(join(out, "onnx", "model.onnx"));
    assert.deepEqual(
      copied.graph.initializers.map((t) => [t.name, t.data.length]),
      fp32.graph.initializers.map((t) => [t.name, t.data.length]),
    );
    for (const file of ["model.onnx", "model_quantized.onnx"]) {
      const session = await createSession(join(out, "onnx", file));
      assert.deepEqual(session.inputNames.toSorted(), ["attention_mask", "input_ids"]);
      await session.session.release();
    }
    assert.deepEqual(await siblings(out), []);
  });
});
