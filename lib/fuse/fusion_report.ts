/**
 * The report of a `fuse` run: each pass, what it matched, node counts before and after, time.
 *
 * @module
 */

import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle, Table } from "../display/mod.ts";
import type { PassMatch } from "./types.ts";

/** What one pass did in a `fuse` run. */
export interface PassReport {
  pass: string;
  description: string;
  matches: PassMatch[];
  nodesBefore: number;
  nodesAfter: number;
  /** Wall time of the pass. */
  ms: number;
  notes: string[];
}

/**
 * The report of a `fuse` run. Shows itself as a table in notebooks (with the matched nodes of
 * each pass in a collapsible list) and as text in a terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FusionReport } from "./fusion_report.ts";
 * const report = new FusionReport([{
 *   pass: "gelu", description: "GELU", nodesBefore: 10, nodesAfter: 6, ms: 1.5, notes: [],
 *   matches: [{ nodes: ["a", "b", "c", "d", "e"], replacement: ["g"] }],
 * }]);
 * assert.deepEqual(report.matchCounts(), { gelu: 1 });
 * assert.equal(report.nodesAfter, 6);
 * assert.match(report.toString(), /gelu\s+1\s+10\s+6/);
 * ```
 */
export class FusionReport {
  constructor(readonly passes: readonly PassReport[]) {}

  /** Nodes before the first pass. */
  get nodesBefore(): number {
    return this.passes[0]?.nodesBefore ?? 0;
  }

  /** Nodes after the last pass. */
  get nodesAfter(): number {
    return this.passes[this.passes.length - 1]?.nodesAfter ?? this.nodesBefore;
  }

  /** Total wall time of the passes. */
  get totalMs(): number {
    return this.passes.reduce((s, p) => s + p.ms, 0);
  }

  /** Matches per pass. */
  matchCounts(): Record<string, number> {
    return Object.fromEntries(this.passes.map((p) => [p.pass, p.matches.length]));
  }

  /** One row per pass. */
  table(title = "Fusion passes"): Table {
    const rows = this.passes.map((p) => ({
      pass: p.pass,
      matches: p.matches.length,
      "nodes before": p.nodesBefore,
      "nodes after": p.nodesAfter,
      ms: Math.round(p.ms * 10) / 10,
      notes: p.notes.join("; "),
    }));
    rows.push({
      pass: "total",
      matches: this.passes.reduce((s, p) => s + p.matches.length, 0),
      "nodes before": this.nodesBefore,
      "nodes after": this.nodesAfter,
      ms: Math.round(this.totalMs * 10) / 10,
      notes: "",
    });
    return new Table(rows, { title, digits: 1 });
  }

  toString(): string {
    return this.table().toString();
  }

  /** Rich output for Deno's Jupyter kernel: the table, then the matched nodes per pass. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const details = this.passes.filter((p) => p.matches.length > 0).map((p) => {
      const items = p.matches.slice(0, 20).map((m) =>
        `<li>${escapeHtml(m.nodes.join(", "))} → ${
          escapeHtml(m.replacement.join(", ") || "(removed)")
        }${m.detail ? ` <i>(${escapeHtml(m.detail)})</i>` : ""}</li>`
      ).join("");
      const more = p.matches.length > 20 ? `<li>… ${p.matches.length - 20} more</li>` : "";
      return `<details><summary><b>${escapeHtml(p.pass)}</b>: ${p.matches.length} match(es) — ${
        escapeHtml(p.description)
      }</summary><ul>${items}${more}</ul></details>`;
    }).join("\n");
    return { "text/html": `${this.table().toHtml()}\n${details}`, "text/plain": this.toString() };
  }
}
