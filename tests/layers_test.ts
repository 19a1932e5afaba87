/**
 * The layering of `lib/` (CONTRIBUTING.md, "Layers"): a folder imports only folders of a lower
 * layer. Test files and test support may import anything.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Layer of every folder of `lib/`, bottom (0) to top; `lib/mod.ts` sits above them all. */
const LAYERS: Record<string, number> = {
  settings: 0,
  fs: 0,
  progress: 0,
  random: 0,
  display: 0,
  formats: 1,
  notebook: 0,
  hub: 1,
  onnx: 1,
  stats: 1,
  model: 2,
  data: 2,
  runtime: 2,
  bench: 3,
  report: 4,
  eval: 5,
  profile: 5,
  quant: 6,
  fuse: 6,
  mixed: 6,
  train: 6,
  tune: 7,
  atlas: 7,
  distill: 7,
  prune: 7,
  qat: 8,
  workshop: 9,
  exercises: 9,
  cli: 10,
};

const LIB = fileURLToPath(new URL("../lib/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    const testOnly = /_test\.ts$|test_support|_testing\.ts$/.test(entry.name);
    return entry.name.endsWith(".ts") && !testOnly ? [path] : [];
  });
}

/** `folder` of every `../<folder>/…` a file imports or re-exports (doc examples left out). */
function importedFolders(path: string): string[] {
  const code = readFileSync(path, "utf8").split("\n")
    .filter((line) => !/^\s*(\*|\/\/)/.test(line)).join("\n");
  return [...code.matchAll(/(?:from|import)\s*\(?\s*"(?:\.\.\/)+([a-z_]+)\//g)].map((m) => m[1]);
}

Deno.test("every folder of lib/ has a layer, and imports only folders of lower layers", () => {
  const folders = readdirSync(LIB, { withFileTypes: true }).filter((e) => e.isDirectory())
    .map((e) => e.name);
  assert.deepEqual(folders.filter((f) => !(f in LAYERS)), [], "folders without a layer");
  const violations: string[] = [];
  for (const folder of folders) {
    for (const file of sourceFiles(join(LIB, folder))) {
      for (const imported of importedFolders(file)) {
        if (imported === folder || !(imported in LAYERS)) continue;
        if (LAYERS[imported] >= LAYERS[folder]) {
          violations.push(`${file.slice(LIB.length)} imports lib/${imported}`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("only lib/cli and lib/mod.ts import lib/workshop", () => {
  const importers = sourceFiles(LIB)
    .filter((file) => !file.startsWith(join(LIB, "workshop")))
    .filter((file) => /"(?:\.\.\/|\.\/)workshop\//.test(readFileSync(file, "utf8")))
    .map((file) => file.slice(LIB.length));
  assert.deepEqual(importers.filter((f) => !f.startsWith("cli/")), ["mod.ts"]);
});
