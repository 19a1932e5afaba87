/**
 * The demo's report: results per model variant, shown in notebooks and written as `report.json`
 * plus an HTML page.
 *
 * @module
 */
export * from "./report.ts";
export * from "./write.ts";
