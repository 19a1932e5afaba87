/**
 * Test support: executes one workshop notebook headless on Deno's Jupyter kernel, against the test
 * hub and with the stand-in model, in the quick profile and in solutions mode
 * (`WORKSHOP_SOLUTIONS=1`: every exercise cell holds its fix and its checker must pass). A failing
 * cell (cells assert their results) fails the test. In the same run, a probe after each exercise's
 * checker cell runs its edit and checker cells again with `solutions` false: that copy must say
 * "not fixed yet" (`exercise_probes.ts`). The probes are then taken out, and the executed notebook
 * is exported to HTML (no second run) and opened in headless Chromium without network: every
 * figure output must draw and the page log no error. One test file per notebook
 * (`tests/notebooks/`), so `deno test --parallel` spreads them over the cores.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./hub_server.ts";
import { PROJECT_ROOT, STANDINS } from "./mirror.ts";
import { executeNotebook, exportNotebookHtml } from "../../lib/notebook/mod.ts";
import { writeFileAtomic } from "../../lib/fs/atomic.ts";
import {
  addExerciseProbes,
  exerciseProbeResults,
  removeExerciseProbes,
} from "./exercise_probes.ts";
import { CHROMIUM, extendedStep, extendedTest, JUPYTER, MIRROR } from "./extended.ts";
import { renderPage } from "./chromium.ts";

/** The workshop's notebooks folder. */
export const NOTEBOOKS_DIR = join(PROJECT_ROOT, "notebooks");

/** Notebooks whose cells hold on the fixture hub's tiny model; the others assert the stand-in's numbers. */
export const ON_FIXTURE = new Set(["03_knowledge_distillation.ipynb"]);

/** Registers the headless run of `notebooks/<name>` (with its browser check). */
export function notebookTest(name: string): void {
  const dir = NOTEBOOKS_DIR;
  const needs = ON_FIXTURE.has(name) ? JUPYTER : [JUPYTER, MIRROR];
  extendedTest(`notebook ${name} runs headless with every cell passing`, needs, async (t) => {
    const cache = await Deno.makeTempDir();
    const server = await startHubServer();
    const executed = join(cache, name);
    const records = join(cache, "exercise_probes.jsonl");
    try {
      const run = await executeNotebook(join(dir, name), {
        outputPath: executed,
        transform: (nb) => addExerciseProbes(nb, { recordTo: records }),
        env: {
          HF_ENDPOINT: server.url,
          HF_HUB_CACHE: cache,
          WORKSHOP_MODEL: STANDINS.mini,
          WORKSHOP_QUICK: "1",
          WORKSHOP_SOLUTIONS: "1",
          WORKSHOP_PROGRESS: "plain",
        },
      });
      const probes = exerciseProbeResults(
        run.notebook,
        await Deno.readTextFile(records).catch(() => ""),
      );
      const probeSeconds = probes.reduce((s, p) => s + p.seconds, 0);
      console.log(
        `${name}: ${probes.length} exercise checkers run on their unfixed cells too ` +
          `(+${probeSeconds.toFixed(1)} s of ${run.seconds.toFixed(0)} s)`,
      );
      assert.deepEqual(
        probes.filter((p) => !p.ok).map(({ check, solved, unfixed }) => ({
          check,
          solved,
          unfixed,
        })),
        [],
        `${name}: each checker must say "fixed" with the solution and "not fixed yet" unfixed`,
      );
      const notebook = removeExerciseProbes(run.notebook);
      await writeFileAtomic(executed, JSON.stringify(notebook, null, 1) + "\n");
      const code = notebook.cells.filter((c) => c.cell_type === "code");
      const errors = code.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error");
      assert.equal(errors.length, 0);
      const rich = code.filter((c) =>
        (c.outputs ?? []).some((o) =>
          o.output_type === "execute_result" || o.output_type === "display_data"
        )
      );
      assert.ok(
        rich.length >= code.length / 2,
        `${name}: most code cells should show a table or chart`,
      );
      const figures = code.flatMap((c) =>
        c.outputs ?? []
      ).filter((o) =>
        "application/vnd.plotly.v1+json" in ((o.data ?? {}) as Record<string, unknown>)
      ).length;
      await extendedStep(t, "its HTML export draws every chart offline", CHROMIUM, async () => {
        const page = await renderPage(await exportNotebookHtml(executed));
        console.log(`${name}: ${page.renderedPlots} of ${figures} figure outputs rendered`);
        // nbconvert's own template references require.js and MathJax (Debian points them at
        // /usr/share/javascript, absent without libjs-requirejs / libjs-mathjax): not the kit's.
        const template = /\/(requirejs\/require|mathjax\/MathJax)\.(min\.)?js/;
        assert.deepEqual(page.errors.filter((e) => !template.test(e)), []);
        assert.equal(page.plotDivs, figures);
        assert.equal(page.renderedPlots, figures);
      });
    } finally {
      await server.close();
      await Deno.remove(cache, { recursive: true });
    }
  });
}
