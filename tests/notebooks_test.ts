/**
 * Executes every workshop notebook headless on Deno's Jupyter kernel, against the hub mirror and
 * with the stand-in model, in the quick profile and in solutions mode (`WORKSHOP_SOLUTIONS=1`:
 * every exercise cell holds its fix and its checker must pass). A failing cell (cells assert
 * their results) fails the suite. Each executed notebook is then exported to HTML (no second run)
 * and opened in headless Chromium without network: every figure output must draw and the page log
 * no error.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./support/hub_server.ts";
import { PROJECT_ROOT, STANDINS } from "./support/mirror.ts";
import { executeNotebook, exportNotebookHtml } from "../lib/notebook/mod.ts";
import { CHROMIUM, extendedStep, extendedTest, JUPYTER, MIRROR } from "./support/extended.ts";
import { renderPage } from "./support/chromium.ts";

const dir = join(PROJECT_ROOT, "notebooks");
const notebooks = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
  .map((e) => e.name)
  .sort();

Deno.test("the workshop has notebooks", () => {
  assert.ok(notebooks.includes("01_quantize_distilbert_mrpc.ipynb"));
});

/** Notebooks whose cells hold on the fixture hub's tiny model; the others assert the stand-in's numbers. */
const ON_FIXTURE = new Set(["03_knowledge_distillation.ipynb"]);

for (const name of notebooks) {
  const needs = ON_FIXTURE.has(name) ? JUPYTER : [JUPYTER, MIRROR];
  extendedTest(`notebook ${name} runs headless with every cell passing`, needs, async (t) => {
    const cache = await Deno.makeTempDir();
    const server = await startHubServer();
    const executed = join(cache, name);
    try {
      const { notebook } = await executeNotebook(join(dir, name), {
        outputPath: executed,
        env: {
          HF_ENDPOINT: server.url,
          HF_HUB_CACHE: cache,
          WORKSHOP_MODEL: STANDINS.mini,
          WORKSHOP_QUICK: "1",
          WORKSHOP_SOLUTIONS: "1",
          WORKSHOP_PROGRESS: "plain",
        },
      });
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
