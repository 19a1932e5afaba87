/**
 * Rich output shared by notebooks, report pages and the terminal: tables and plotly figures that
 * implement Deno's `Symbol.for("Jupyter.display")`, so `lib/` needs no notebook globals.
 *
 * @module
 */
export * from "./html.ts";
export * from "./table.ts";
export * from "./figure.ts";
export * from "./plotly_library.ts";
