/**
 * Every workshop notebook has its headless run: `tests/notebooks/<notebook>_test.ts` (one file per
 * notebook, see `tests/support/notebook_run.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { NOTEBOOKS_DIR } from "./support/notebook_run.ts";
import { PROJECT_ROOT } from "./support/mirror.ts";

const notebooks = [...Deno.readDirSync(NOTEBOOKS_DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();

Deno.test("every workshop notebook has a headless-run test file", () => {
  assert.ok(notebooks.includes("01_quantize_distilbert_mrpc.ipynb"));
  const missing = notebooks.filter((name) =>
    !existsSync(join(PROJECT_ROOT, "tests", "notebooks", `${name.replace(/\.ipynb$/, "")}_test.ts`))
  );
  assert.deepEqual(missing, [], "add tests/notebooks/<name>_test.ts calling notebookTest(name)");
});
