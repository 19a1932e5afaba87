import assert from "node:assert/strict";
import { join } from "node:path";
import { serializeSafetensors } from "../model/safetensors.ts";
import { CheckpointError, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";

const w = { shape: [2], data: new Float32Array([1, 2]) };

Deno.test("a format-1 checkpoint (before extensions) still reads, with no extension state", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "old.safetensors");
    const tensors = new Map([["a.weight", w], ["optimizer.m/a.weight", w], [
      "optimizer.v/a.weight",
      w,
    ]]);
    await Deno.writeFile(
      path,
      serializeSafetensors(tensors, {
        format: "workshop-train-checkpoint/1",
        optimizer_step: "4",
        state: JSON.stringify({ step: 4 }),
      }),
    );
    const back = await readCheckpoint<{ step: number }>(path);
    assert.equal(back.state.step, 4);
    assert.equal(back.optimizer.step, 4);
    assert.deepEqual(back.weights, new Map([["a.weight", w]]));
    assert.equal(back.extensions?.size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("extension state without data or tensors round-trips; corrupt extension entries are named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "ckpt.safetensors");
    const optimizer = { step: 1, m: new Map(), v: new Map() };
    await writeCheckpoint(path, {
      weights: new Map([["a.weight", w]]),
      optimizer,
      state: null,
      extensions: new Map([["empty", {}], ["qat", { data: { observers: { x: 1 } } }]]),
    });
    const back = await readCheckpoint(path);
    assert.deepEqual(
      back.extensions,
      new Map([["empty", {}], ["qat", { data: { observers: { x: 1 } } }]]),
    );
    // A tensor under extension/ whose extension the metadata does not list.
    const orphan = join(dir, "orphan.safetensors");
    await Deno.writeFile(
      orphan,
      serializeSafetensors(new Map([["extension/ghost/mask", w]]), {
        format: "workshop-train-checkpoint/2",
        optimizer_step: "0",
        state: "null",
        extensions: "{}",
      }),
    );
    await assert.rejects(
      readCheckpoint(orphan),
      (e: Error) => e instanceof CheckpointError && /extension\/ghost\/mask/.test(e.message),
    );
    await assert.rejects(
      writeCheckpoint(path, {
        weights: new Map(),
        optimizer,
        state: null,
        extensions: new Map([["a/b", {}]]),
      }),
      CheckpointError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
