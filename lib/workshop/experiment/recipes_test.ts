import assert from "node:assert/strict";
import { join } from "node:path";
import { TUNE_STRATEGIES } from "../../tune/mod.ts";
import { parseExperimentConfig, type Technique } from "./mod.ts";

const dir = new URL("../../../data/recipes/", import.meta.url).pathname;
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".yaml"))
  .sort();

/** The techniques a notebook's recipes may use, by notebook number. */
const NOTEBOOK_TECHNIQUES: Record<string, readonly Technique[]> = {
  "00": ["quantization"],
  "01": ["quantization"],
  "02": ["pruning"],
  "03": ["distillation"],
  "04": ["fusion"],
  "05": ["mixed_precision"],
  "06": ["qat"],
  "07": ["quantization"],
  "08": ["weight_only", "quantization"],
};

Deno.test("data/recipes: every example config validates and names a registered strategy", async () => {
  assert.ok(files.length >= 4, files.join(", "));
  for (const file of files) {
    const config = parseExperimentConfig(await Deno.readTextFile(join(dir, file)), file);
    assert.ok(TUNE_STRATEGIES.names().includes(config.strategy), `${file}: ${config.strategy}`);
    assert.match(config.output, /^out\//, file);
  }
});

Deno.test("data/recipes: one recipe or more per notebook topic, each with a comment header and its own output", async () => {
  const outputs = new Map<string, string>();
  for (const file of files) {
    const text = await Deno.readTextFile(join(dir, file));
    const notebook = file.slice(0, 2);
    assert.match(text, new RegExp(`^# Notebook ${notebook}: `), `${file}: comment header`);
    const config = parseExperimentConfig(text, file);
    const allowed = NOTEBOOK_TECHNIQUES[notebook];
    assert.ok(allowed, `${file}: name it after its notebook (00_ … 08_)`);
    assert.ok(allowed.includes(config.technique), `${file}: ${config.technique}`);
    assert.equal(
      outputs.get(config.output),
      undefined,
      `${file} and ${outputs.get(config.output)}`,
    );
    outputs.set(config.output, file);
  }
  const covered = new Set(files.map((f) => f.slice(0, 2)));
  assert.deepEqual([...covered].sort(), Object.keys(NOTEBOOK_TECHNIQUES));
  const techniques = new Set(
    await Promise.all(
      files.map(async (f) =>
        parseExperimentConfig(await Deno.readTextFile(join(dir, f)), f).technique
      ),
    ),
  );
  assert.equal(techniques.size, 7, [...techniques].join(", "));
});
