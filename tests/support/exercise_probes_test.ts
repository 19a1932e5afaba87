import assert from "node:assert/strict";
import { join } from "node:path";
import { executeNotebook, type NotebookDocument } from "../../lib/notebook/mod.ts";
import {
  addExerciseProbes,
  cellText,
  ExerciseCellsError,
  exerciseProbeResults,
  findExercises,
  PROBE_METADATA_KEY,
  removeExerciseProbes,
} from "./exercise_probes.ts";
import { NOTEBOOKS_DIR } from "./notebook_run.ts";
import { extendedTest, JUPYTER } from "./extended.ts";

const code = (source: string) => ({
  cell_type: "code",
  source,
  execution_count: null,
  metadata: {},
  outputs: [],
});

function readNotebook(name: string): NotebookDocument {
  return JSON.parse(Deno.readTextFileSync(join(NOTEBOOKS_DIR, name)));
}

const notebooks = [...Deno.readDirSync(NOTEBOOKS_DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();

Deno.test("every workshop notebook's exercises pair an edit cell with a checker cell, and get probes", () => {
  const counts: Record<string, number> = {};
  for (const name of notebooks) {
    const notebook = readNotebook(name);
    const exercises = findExercises(notebook);
    counts[name.slice(0, 2)] = exercises.length;
    const probed = addExerciseProbes(notebook);
    assert.equal(probed.cells.length, notebook.cells.length + exercises.length);
    for (const cell of probed.cells.filter((c) => c.metadata?.[PROBE_METADATA_KEY])) {
      const text = cellText(cell);
      assert.doesNotMatch(text, /^import\s/m, `${name}: a probe keeps no import`);
      assert.doesNotMatch(text, /\bsolutions\b[^=]*=\s*workshopSettings\(\)/, name);
      assert.equal(text.match(/const solutions = false;/g)?.length, 1, name);
    }
    assert.deepEqual(removeExerciseProbes(probed), notebook);
  }
  // Issue 15: two or three exercises per notebook.
  assert.equal(Object.keys(counts).length, 9);
  for (const [nb, n] of Object.entries(counts)) {
    assert.ok(n >= 2 && n <= 3, `notebook ${nb}: ${n} exercises`);
  }
});

Deno.test("findExercises refuses an edit cell without a checker, and two edit cells for one", () => {
  const edit = code("const T = solutions ? 4 : 1; // ← broken on purpose: edit me");
  const checker = code("const c = f(T);\nif (solutions) assert.ok(c.passed, c.toString());\nc;");
  assert.throws(() => findExercises({ cells: [edit] }), ExerciseCellsError);
  assert.throws(() => findExercises({ cells: [edit, edit, checker] }), ExerciseCellsError);
  assert.throws(() => findExercises({ cells: [checker] }), ExerciseCellsError);
  assert.deepEqual(
    findExercises({ cells: [code("1"), edit, { ...edit, cell_type: "markdown" }, checker] }),
    [
      { edit: 1, checker: 3, check: "c" },
    ],
  );
});

// A notebook run in notebooks/ (so `../lib` resolves) with two exercises on the kit's real
// INT8-scale checker: one whose broken setting the checker catches, one whose "broken" setting
// is the fix too (the probe must show it), the first displayed as 01's second exercise does.
const synthetic: NotebookDocument = {
  cells: [
    code(
      'import assert from "node:assert/strict";\nimport { workshopSettings } from "../lib/mod.ts";\n' +
        "const row = [1, -0.5, 0.25];",
    ),
    code(
      'import { checkInt8Scale } from "../lib/exercises/mod.ts";\n' +
        "const { solutions } = workshopSettings();\n" +
        "const SCALE = solutions ? 1 / 127 : 1 / 255; // ← broken on purpose: edit me",
    ),
    code(
      "const scaleCheck = checkInt8Scale({ weights: row, scale: await Promise.resolve(SCALE) });\n" +
        "if (solutions) assert.ok(scaleCheck.passed, scaleCheck.toString());\n" +
        "await Deno.jupyter.display(scaleCheck);",
    ),
    code("const SAME = solutions ? 1 / 127 : 1 / 127; // ← edit me"),
    code(
      "const sameCheck = checkInt8Scale({ weights: row, scale: SAME });\n" +
        "if (solutions) assert.ok(sameCheck.passed, sameCheck.toString());\nsameCheck;",
    ),
    code("assert.equal(SCALE, 1 / 127); // the notebook's own names are untouched by the probes"),
  ],
  metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
};

extendedTest(
  "the probes run the unfixed cells in Deno's kernel, and catch a checker that passes unfixed",
  JUPYTER,
  async () => {
    const dir = await Deno.makeTempDir();
    const records = join(dir, "probes.jsonl");
    const { notebook } = await executeNotebook(
      join(NOTEBOOKS_DIR, "00_transformers_and_precision.ipynb"),
      {
        env: { WORKSHOP_SOLUTIONS: "1" },
        transform: () => addExerciseProbes(synthetic, { recordTo: records }),
      },
    );
    const results = exerciseProbeResults(notebook, await Deno.readTextFile(records));
    await Deno.remove(dir, { recursive: true });
    assert.deepEqual(results.map((r) => [r.check, r.ok]), [["scaleCheck", true], [
      "sameCheck",
      false,
    ]]);
    assert.match(results[0].solved!, /^✔ .+: fixed\./);
    assert.match(results[0].unfixed!, /^✘ .+: not fixed yet\./);
    assert.match(results[1].unfixed!, /^✔ .+: fixed\./);
    assert.ok(results.every((r) => r.seconds >= 0 && r.seconds < 60), JSON.stringify(results));
    // The displays show the same verdicts (when the kernel's outputs arrive in time).
    const shown = notebook.cells.flatMap((c) => c.outputs ?? []).length;
    assert.ok(shown <= 6, `${shown} outputs`);
    assert.equal(exerciseProbeResults(notebook, "").filter((r) => r.ok).length, 0);
    const kept = removeExerciseProbes(notebook);
    assert.equal(kept.cells.length, synthetic.cells.length);
    assert.equal(kept.cells.at(-1)!.outputs!.filter((o) => o.output_type === "error").length, 0);
  },
);
