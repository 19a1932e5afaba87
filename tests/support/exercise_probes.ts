/**
 * Test support: every exercise checker of a notebook is also run on its **unfixed** cell, in the
 * same headless execution as the solutions-mode run (issue 15: "checker fails on the unfixed
 * cell, passes in solutions mode"), instead of running each notebook a second time.
 *
 * An exercise is an _edit cell_ (the setting, `solutions ? fix : broken`, marked "edit me") and
 * the _checker cell_ after it (`if (solutions) assert.ok(check.passed, …)` then `check;`).
 * {@link addExerciseProbes} inserts after each checker cell a _probe_: the edit cell and the
 * checker cell again inside one block, `{ const solutions = false; … }`, which shadows the
 * notebook's `solutions` for that copy only (Deno's kernel runs top-level `await` and
 * `Deno.jupyter.display` inside a block; the block's `const`s leave the notebook's names as they
 * were). The copy drops the cells' `import`s (the originals already ran) and the
 * `const { solutions } = workshopSettings()` line; the probe displays the checker cell's own
 * check first and the copy's at the end, and records both verdicts in a file (see
 * {@link probeSource}). {@link exerciseProbeResults} then reads them (`ExerciseCheck.toString()`,
 * its `text/plain`: "✔ …: fixed." / "✘ …: not fixed yet.") and {@link removeExerciseProbes} takes the probes out before
 * the notebook is exported and its charts counted. A setting not read through the cell's
 * `solutions` (e.g. `workshopSettings().solutions` inline) is not flipped: its probe shows
 * "fixed", and the test fails naming the exercise.
 *
 * Every exercise of the notebooks 00–08 is probed; the probes recompute only what the checker
 * cell does (calibrating on one pair, scoring a randomly pruned or randomly initialised model on
 * a few batches, a static re-export, reading benchmark rows) — no exercise needs a training run
 * in broken mode (the QAT learning-rate checker compares the rate with the weights' INT8 steps;
 * it does not train), so none is left to its `lib/exercises` test alone. An exercise whose broken
 * setting needs one (retraining, a new tuning search) should reuse the run the notebook already
 * made, as 07's budget checker reads the trials of the search above it.
 *
 * @module
 */
import type { NotebookCell, NotebookDocument } from "../../lib/notebook/mod.ts";

/** The metadata key that marks a probe cell (its value: {@link ExerciseProbe}). */
export const PROBE_METADATA_KEY = "workshop_exercise_probe";

/** An exercise's two cells in the notebook (cell indices) and its check's variable name. */
export interface ExerciseCells {
  edit: number;
  checker: number;
  check: string;
}

/** What a probe cell's metadata records. */
export interface ExerciseProbe {
  check: string;
}

/** A notebook's exercise cells do not follow the edit-cell / checker-cell pattern. */
export class ExerciseCellsError extends Error {
  override name = "ExerciseCellsError";
}

const CHECKER = /^\s*if \(solutions\) assert\.ok\((\w+)\.passed\b/m;
const EDIT_MARK = /edit me/;
const IMPORT = /^import\s[^;]*?["'][^"']+["'];?[ \t]*$/gm;
const SETTINGS = /^(\s*const\s*\{)([^}]*)(\}\s*=\s*workshopSettings\(\)\s*;?)[ \t]*$/m;

/** A cell's source as one string. */
export function cellText(cell: Pick<NotebookCell, "source">): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/**
 * The notebook's exercises: each checker cell with the nearest "edit me" code cell before it.
 * Every "edit me" cell must belong to exactly one checker, and every checker have one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findExercises } from "./exercise_probes.ts";
 * const code = (source: string) => ({ cell_type: "code", source });
 * const cells = [
 *   code("const T = solutions ? 4 : 1; // ← broken on purpose: edit me"),
 *   code("const c = check(T);\nif (solutions) assert.ok(c.passed, c.toString());\nc;"),
 * ];
 * assert.deepEqual(findExercises({ cells }), [{ edit: 0, checker: 1, check: "c" }]);
 * ```
 */
export function findExercises(notebook: NotebookDocument): ExerciseCells[] {
  const exercises: ExerciseCells[] = [];
  let pendingEdit: number | undefined;
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const text = cellText(cell);
    const checker = CHECKER.exec(text);
    if (checker) {
      if (pendingEdit === undefined) {
        throw new ExerciseCellsError(
          `cell ${i}: checker of \`${checker[1]}\` has no "edit me" cell before it (after the ` +
            `previous checker); mark the cell holding its broken setting with "← edit me"`,
        );
      }
      exercises.push({ edit: pendingEdit, checker: i, check: checker[1] });
      pendingEdit = undefined;
    } else if (EDIT_MARK.test(text)) {
      if (pendingEdit !== undefined) {
        throw new ExerciseCellsError(
          `cells ${pendingEdit} and ${i}: two "edit me" cells before one checker; an exercise ` +
            `is one edit cell then its checker cell (\`if (solutions) assert.ok(check.passed, …)\`)`,
        );
      }
      pendingEdit = i;
    }
  });
  if (pendingEdit !== undefined) {
    throw new ExerciseCellsError(
      `cell ${pendingEdit}: an "edit me" cell without a checker cell after it ` +
        `(\`if (solutions) assert.ok(check.passed, check.toString())\`)`,
    );
  }
  return exercises;
}

/**
 * The probe's source: it displays `check` as the checker cell left it (solutions mode), then runs
 * the edit and checker cells in a block with `solutions` false, without their imports and
 * `solutions` settings line, displays that block's `check` at its end and, with `recordTo`,
 * appends both verdicts (`toString()`, the `text/plain` of the display) to that file as one JSON
 * line. The tests read the file, not the outputs: Deno's kernel 2.9.6 now and then publishes a
 * cell's outputs after its idle status, which `nbclient` then drops (1 in 20 cells ending in
 * `check;` in a trial; once both displays of a probe, under load).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { probeSource } from "./exercise_probes.ts";
 * const source = probeSource({
 *   edit: 'import { x } from "./x.ts";\nconst { solutions } = workshopSettings();\nconst T = solutions ? 4 : 1;',
 *   checker: "const c = x(T);\nif (solutions) assert.ok(c.passed, c.toString());\nc;",
 *   check: "c",
 * });
 * assert.ok(source.includes("{\nconst solutions = false;\nconst T = solutions ? 4 : 1;"));
 * assert.ok(!source.includes("import") && source.endsWith("await Deno.jupyter.display(c);\n}\n}"));
 * ```
 */
export function probeSource(
  cells: { edit: string; checker: string; check: string; recordTo?: string },
): string {
  const { check } = cells;
  const edit = withoutSolutionsSetting(cells.edit.replace(IMPORT, ""));
  const shown = new RegExp(
    String.raw`^\s*(await\s+Deno\.jupyter\.display\(\s*${check}\s*\)|${check})\s*;?\s*$`,
    "gm",
  );
  const checker = cells.checker.replace(IMPORT, "").replace(shown, "");
  const record = cells.recordTo === undefined ? [] : [
    `await Deno.writeTextFile(${JSON.stringify(cells.recordTo)}, JSON.stringify({ check: ` +
    `${JSON.stringify(check)}, solved: __probeSolved, unfixed: ${check}.toString() }) + "\\n", ` +
    "{ append: true });",
  ];
  return [
    "// Probe added by the tests (removed before export): the checker cell's verdict, then the",
    '// two cells above again with the broken setting, whose checker must say "not fixed yet".',
    `await Deno.jupyter.display(${check});`,
    "{",
    `const __probeSolved = ${check}.toString();`,
    "{",
    "const solutions = false;",
    edit.trim(),
    checker.trim(),
    `await Deno.jupyter.display(${check});`,
    ...record,
    "}",
    "}",
  ].join("\n");
}

/** Drops `solutions` from a `const { … } = workshopSettings()` line (the whole line if alone). */
function withoutSolutionsSetting(source: string): string {
  return source.replace(SETTINGS, (_, open: string, names: string, close: string) => {
    const kept = names.split(",").map((n) => n.trim()).filter((n) => n && n !== "solutions");
    return kept.length ? `${open} ${kept.join(", ")} ${close}` : "";
  });
}

/**
 * The notebook with a probe cell after each exercise's checker cell (tagged in its metadata
 * with {@link PROBE_METADATA_KEY}).
 */
export function addExerciseProbes(
  notebook: NotebookDocument,
  options: { recordTo?: string } = {},
): NotebookDocument {
  const exercises = findExercises(notebook);
  const cells: NotebookCell[] = [];
  notebook.cells.forEach((cell, i) => {
    cells.push(cell);
    const exercise = exercises.find((e) => e.checker === i);
    if (!exercise) return;
    const probe: ExerciseProbe = { check: exercise.check };
    cells.push({
      cell_type: "code",
      execution_count: null,
      metadata: { [PROBE_METADATA_KEY]: probe },
      outputs: [],
      source: probeSource({
        edit: cellText(notebook.cells[exercise.edit]),
        checker: cellText(cell),
        check: exercise.check,
        ...options,
      }),
    });
  });
  return { ...notebook, cells };
}

/** One exercise of an executed, probed notebook: its verdict in solutions mode and unfixed. */
export interface ExerciseProbeResult {
  check: string;
  /** The checker cell's verdict line ("✔ …: fixed. …"), as its probe recorded it. */
  solved?: string;
  /** The probe's verdict line ("✘ …: not fixed yet. …"), if it showed one. */
  unfixed?: string;
  /** Seconds the probe cell took (nbclient's timing metadata). */
  seconds: number;
  /** Whether the checker said fixed in solutions mode and not fixed on the broken setting. */
  ok: boolean;
}

const VERDICT = /^[✔✘] (.+?): (fixed|not fixed yet)\./;

/**
 * The verdicts the probes of an executed notebook recorded (one JSON line each in the file given
 * to {@link addExerciseProbes} as `recordTo`), in the probes' order; a probe that recorded
 * nothing has neither verdict.
 */
export function exerciseProbeResults(
  executed: NotebookDocument,
  records: string,
): ExerciseProbeResult[] {
  const recorded: { check: string; solved: string; unfixed: string }[] = records.split("\n")
    .filter((line) => line.trim()).map((line) => JSON.parse(line));
  return executed.cells.flatMap((cell) => {
    const probe = cell.metadata?.[PROBE_METADATA_KEY] as ExerciseProbe | undefined;
    if (!probe) return [];
    const at = recorded.findIndex((r) => r.check === probe.check);
    const { solved, unfixed } = at >= 0 ? recorded.splice(at, 1)[0] : {};
    const a = solved?.match(VERDICT);
    const b = unfixed?.match(VERDICT);
    return [{
      check: probe.check,
      ...(solved ? { solved } : {}),
      ...(unfixed ? { unfixed } : {}),
      seconds: cellSeconds(cell),
      ok: !!a && !!b && a[1] === b[1] && a[2] === "fixed" && b[2] === "not fixed yet",
    }];
  });
}

/** The executed notebook without its probe cells. */
export function removeExerciseProbes(executed: NotebookDocument): NotebookDocument {
  return {
    ...executed,
    cells: executed.cells.filter((c) => !c.metadata?.[PROBE_METADATA_KEY]),
  };
}

function cellSeconds(cell: NotebookCell): number {
  const timing = cell.metadata?.execution as Record<string, string> | undefined;
  const start = Date.parse(timing?.["iopub.execute_input"] ?? "");
  const end = Date.parse(timing?.["shell.execute_reply"] ?? "");
  return Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : NaN;
}
