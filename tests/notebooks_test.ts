/**
 * Executes every workshop notebook headless on Deno's Jupyter kernel, against the hub mirror and
 * with the stand-in model, in the quick profile and in solutions mode (`WORKSHOP_SOLUTIONS=1`:
 * every exercise cell holds its fix and its checker must pass). A failing cell (cells assert
 * their results) fails the suite.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHubServer } from "./support/hub_server.ts";
import { PROJECT_ROOT, STANDINS } from "./support/mirror.ts";
import { executeNotebook } from "../lib/notebook/mod.ts";
import { extendedTest, JUPYTER, MIRROR } from "./support/extended.ts";

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
  extendedTest(`notebook ${name} runs headless with every cell passing`, needs, async () => {
    const cache = await Deno.makeTempDir();
    const server = await startHubServer();
    try {
      const { notebook } = await executeNotebook(join(dir, name), {
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
    } finally {
      await server.close();
      await Deno.remove(cache, { recursive: true });
    }
  });
}
