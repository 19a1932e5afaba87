import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle } from "./html.ts";

/** A cell value of a {@link Table}. */
export type Cell = string | number | boolean | null | undefined;

/** Options of {@link Table}. */
export interface TableOptions {
  /** Caption shown above the table. */
  title?: string;
  /** Digits after the decimal point for non-integer numbers (default 4). */
  digits?: number;
  /** Column order and subset (default: keys of the first row, then any new keys). */
  columns?: string[];
}

/**
 * A table of results (rows of plain objects) that shows itself as an HTML table in notebooks, as
 * text in a terminal, and converts to a danfojs DataFrame for further analysis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Table } from "./table.ts";
 * const t = new Table([{ name: "fp32", accuracy: 0.6813725 }], { title: "MRPC" });
 * assert.match(t.toHtml(), /<td>0.6814<\/td>/);
 * assert.match(t.toString(), /fp32/);
 * ```
 */
export class Table {
  readonly rows: Record<string, Cell>[];
  readonly columns: string[];
  readonly options: TableOptions;

  constructor(rows: readonly Record<string, Cell>[], options: TableOptions = {}) {
    this.rows = rows.map((r) => ({ ...r }));
    this.options = options;
    this.columns = options.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  }

  /**
   * A table of a danfojs DataFrame's rows (its index becomes the first column).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DataFrame } from "danfojs";
   * import { Table } from "./table.ts";
   * const t = Table.fromDataFrame(new DataFrame([{ a: 1 }, { a: 2 }]));
   * assert.deepEqual(t.rows.map((r) => r.a), [1, 2]);
   * ```
   */
  static fromDataFrame(
    frame: { columns: string[]; values: unknown[]; index: (string | number)[] },
    options: TableOptions = {},
  ): Table {
    const rows = frame.values.map((values, i) => {
      const row: Record<string, Cell> = { "": frame.index[i] };
      const cells = Array.isArray(values) ? values : [values];
      frame.columns.forEach((c, j) => row[c] = cells[j] as Cell);
      return row;
    });
    return new Table(rows, options);
  }

  /** The value as the table shows it. */
  format(value: Cell): string {
    if (value === null || value === undefined) return "";
    if (typeof value === "number" && !Number.isInteger(value)) {
      return value.toFixed(this.options.digits ?? 4);
    }
    return String(value);
  }

  /** An HTML `<table>`. */
  toHtml(): string {
    const head = this.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
    const body = this.rows.map((row) =>
      `<tr>${this.columns.map((c) => `<td>${escapeHtml(this.format(row[c]))}</td>`).join("")}</tr>`
    ).join("\n");
    const caption = this.options.title
      ? `<caption>${escapeHtml(this.options.title)}</caption>`
      : "";
    return `<table class="results">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
  }

  /** Aligned plain text, for terminals and logs. */
  toString(): string {
    const cells = [
      this.columns,
      ...this.rows.map((r) => this.columns.map((c) => this.format(r[c]))),
    ];
    const widths = this.columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
    const line = (row: string[]) => row.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
    const rule = widths.map((w) => "-".repeat(w)).join("  ");
    const title = this.options.title ? `${this.options.title}\n` : "";
    return title + [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
  }

  /** The same rows as a danfojs DataFrame (danfojs is loaded on first use). */
  async toDataFrame(): Promise<import("danfojs").DataFrame> {
    const { DataFrame } = await import("danfojs");
    return new DataFrame(this.rows.map((r) => this.columns.map((c) => r[c] ?? null)), {
      columns: this.columns,
    });
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toString() };
  }
}
