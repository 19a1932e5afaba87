import assert from "node:assert/strict";
import { join } from "node:path";
import { TUNE_STRATEGIES } from "../../tune/mod.ts";
import { parseExperimentConfig } from "./mod.ts";

const dir = new URL("../../../data/recipes/", import.meta.url).pathname;

Deno.test("data/recipes: every example config validates and names a registered strategy", async () => {
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml"));
  assert.ok(files.length >= 4, files.join(", "));
  for (const file of files.sort()) {
    const config = parseExperimentConfig(await Deno.readTextFile(join(dir, file)), file);
    assert.ok(TUNE_STRATEGIES.names().includes(config.strategy), `${file}: ${config.strategy}`);
    assert.match(config.output, /^out\//, file);
  }
});
