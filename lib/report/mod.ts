/**
 * The demo's report: results per model variant, shown in notebooks and written as `report.json`
 * plus one self-contained HTML page made of sections (`ReportSection`).
 *
 * @module
 */
export * from "./demo_report.ts";
export * from "./sections.ts";
export * from "./report_page.ts";
export * from "./write_report.ts";
export * from "./manifest.ts";
