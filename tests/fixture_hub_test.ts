/**
 * The fixture hub in `data/fixtures/shared/` is what `deno task fixtures --model-only` makes from
 * the committed sample, and its three checkpoint formats hold the same model.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  FIXTURE_REPOS,
  FIXTURE_ROOT,
  fixtureRepoFile,
  makeModel,
} from "../data/fixtures/make_fixture_hub.ts";
import { readCheckpointWeights } from "../lib/model/mod.ts";

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path);
      else out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out.sort();
}

Deno.test("the fixture hub is exactly what the generator makes from the committed sample", async () => {
  const out = await Deno.makeTempDir({ prefix: "fixture-hub-" });
  try {
    await makeModel({ from: FIXTURE_ROOT, root: out });
    const made = await files(out);
    const committed = (await files(FIXTURE_ROOT)).filter((f) => !f.endsWith("README.md"));
    assert.deepEqual(made, committed);
    for (const file of made) {
      const [a, b] = await Promise.all([
        Deno.readFile(join(out, file)),
        Deno.readFile(join(FIXTURE_ROOT, file)),
      ]);
      if (file.endsWith("reference_logits.json") || file.endsWith("training_summary.json")) {
        // ONNX Runtime's last bits may differ between CPUs: compare the numbers within 1e-4.
        assertClose(
          JSON.parse(new TextDecoder().decode(a)),
          JSON.parse(new TextDecoder().decode(b)),
          file,
        );
      } else {
        assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), `${file} differs`);
      }
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

function assertClose(a: unknown, b: unknown, where: string): void {
  if (typeof a === "number" && typeof b === "number") {
    assert.ok(Math.abs(a - b) <= 1e-4, `${where}: ${a} vs ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, where);
    a.forEach((x, i) => assertClose(x, b[i], `${where}[${i}]`));
  } else if (a && b && typeof a === "object" && typeof b === "object") {
    assert.deepEqual(Object.keys(a), Object.keys(b), where);
    for (const k of Object.keys(a)) {
      assertClose(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${where}.${k}`,
      );
    }
  } else {
    assert.deepEqual(a, b, where);
  }
}

Deno.test("safetensors, legacy and zip pytorch_model.bin of the fixture hold the same weights", async () => {
  const safetensors = await readCheckpointWeights(
    fixtureRepoFile(FIXTURE_ROOT, FIXTURE_REPOS.main, "model.safetensors"),
    "model.safetensors",
  );
  assert.equal(safetensors.get("distilbert.embeddings.word_embeddings.weight")!.shape[1], 32);
  for (const repo of [FIXTURE_REPOS.legacyBin, FIXTURE_REPOS.zipBin]) {
    const bin = await readCheckpointWeights(
      fixtureRepoFile(FIXTURE_ROOT, repo, "pytorch_model.bin"),
      "pytorch_model.bin",
    );
    assert.deepEqual(bin, safetensors, repo);
  }
});
