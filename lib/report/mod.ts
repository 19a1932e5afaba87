/**
 * The demo's report: results per model variant, shown in notebooks and written as `report.json`
 * plus an HTML page.
 *
 * @module
 */
export * from "./demo_report.ts";
export * from "./write_report.ts";
export * from "./manifest.ts";
