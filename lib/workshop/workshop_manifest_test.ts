import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { hubDownload } from "../hub/mod.ts";
import { startHubServer } from "../../tests/support/hub_server.ts";
import { STANDINS } from "../../tests/support/mirror.ts";
import { workshopManifest } from "./workshop_manifest.ts";

Deno.test("workshopManifest hashes a repo's pytorch_model.bin when the task has it in the cache, and never downloads it", async () => {
  const server = await startHubServer();
  const cacheDir = await Deno.makeTempDir();
  const settings = { endpoint: server.url, offline: false, cacheDir };
  const common = { task: "t", config: {}, modelId: STANDINS.tiny, splits: [], settings } as const;
  try {
    const before = await workshopManifest(common);
    assert.ok(Object.keys(before.inputs).every((p) => basename(p) !== "pytorch_model.bin"));
    const bin = await hubDownload({ repo: STANDINS.tiny, file: "pytorch_model.bin" }, {
      settings,
      progress: false,
    });
    const after = await workshopManifest(common);
    const sha = createHash("sha256").update(await Deno.readFile(bin)).digest("hex");
    assert.equal(after.inputs[bin], sha);
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
