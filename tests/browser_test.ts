/**
 * Pages the kit writes, opened in headless Chromium with no network: every chart must draw and
 * the page must log no error. (The executed notebooks are checked the same way by
 * notebooks_test.ts, the demo's own report by demo_test.ts.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeReport } from "../lib/report/mod.ts";
import { Figure } from "../lib/display/mod.ts";
import { CHROMIUM, extendedTest } from "./support/extended.ts";
import { renderPage } from "./support/chromium.ts";
import { syntheticReport } from "./support/report_fixture.ts";

extendedTest("report.html draws every chart offline and logs no error", CHROMIUM, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { html } = await writeReport(syntheticReport(), { dir });
    const text = await Deno.readTextFile(html);
    assert.doesNotMatch(text, /<script src=/, "self-contained: no script loaded from elsewhere");
    assert.match(text, /@media print/);
    for (const id of ["summary", "statistics", "confusion", "flips", "tuner", "run"]) {
      assert.match(text, new RegExp(`<section id="${id}">`), id);
    }
    const page = await renderPage(html);
    assert.deepEqual(page.errors, []);
    // Summary, agreement heatmap, margin-shift histogram, tuner history.
    assert.equal(page.plotDivs, 4);
    assert.equal(page.renderedPlots, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Notebook outputs as `jupyter nbconvert --to html` lays them out: one after the other. */
function outputsPage(outputs: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"></head><body>${
    outputs.map((o) => `<div class="output">${o}</div>`).join("\n")
  }</body></html>`;
}

extendedTest(
  "figure outputs draw offline each on its own, in any order, and say so when scripts cannot run",
  CHROMIUM,
  async () => {
    const dir = await Deno.makeTempDir();
    const figure = (n: number) => new Figure([{ type: "bar", x: ["a", "b"], y: [n, n + 1] }]);
    try {
      const outputs = [1, 2, 3].map((n) => figure(n).toNotebookHtml());
      // Each output carries the compressed library: well under the 4.8 MB of plotly.min.js.
      assert.ok(outputs.every((o) => o.length > 500_000 && o.length < 2_500_000));
      const cases = {
        "in order": outputs,
        "reversed": [...outputs].reverse(),
        // Outputs lost or cleared: the one left still draws.
        "one alone": [outputs[1]],
      };
      for (const [name, list] of Object.entries(cases)) {
        const path = join(dir, `${name.replace(" ", "_")}.html`);
        await Deno.writeTextFile(path, outputsPage(list));
        const page = await renderPage(path);
        assert.deepEqual(page.errors, [], name);
        assert.deepEqual([page.renderedPlots, page.plotDivs], [list.length, list.length], name);
      }
      // Without the loader (a div alone), the chart says how to get it instead of failing.
      const orphan = join(dir, "orphan.html");
      await Deno.writeTextFile(orphan, outputsPage([figure(4).toHtmlDiv()]));
      const page = await renderPage(orphan, { timeoutMs: 1000 });
      assert.deepEqual([page.renderedPlots, page.errors], [0, []]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
