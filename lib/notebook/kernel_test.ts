import assert from "node:assert/strict";
import { join } from "node:path";
import { jupyterFrontEnd } from "./kernel.ts";

async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", dir);
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", saved);
  }
}

Deno.test("jupyterFrontEnd finds jupyter-lab before jupyter-notebook, and none without them", async () => {
  const dir = await Deno.makeTempDir();
  const tool = async (name: string) => {
    await Deno.writeTextFile(join(dir, name), "#!/bin/sh\necho 1.0\n");
    await Deno.chmod(join(dir, name), 0o755);
  };
  try {
    await tool("jupyter-nbconvert");
    assert.equal(await withPath(dir, jupyterFrontEnd), undefined, "nbconvert is no front-end");
    await tool("jupyter-notebook");
    assert.equal(await withPath(dir, jupyterFrontEnd), "notebook");
    await tool("jupyter-lab");
    assert.equal(await withPath(dir, jupyterFrontEnd), "lab");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
