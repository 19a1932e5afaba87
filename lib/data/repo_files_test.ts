import assert from "node:assert/strict";
import { localRepoFiles } from "./repo_files.ts";

Deno.test("local repo files stay inside their folder and report folders as absent", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/onnx`);
    await Deno.writeTextFile(`${dir}/onnx/model.onnx`, "x");
    const files = localRepoFiles(dir);
    assert.equal(await files.has("onnx/model.onnx"), true);
    assert.equal(await files.has("onnx"), false);
    await assert.rejects(files.path("../secret.txt"), /must stay inside/);
    await assert.rejects(files.has("../../etc/passwd"), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
