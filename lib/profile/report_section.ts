/**
 * The profiler's section of the report page.
 *
 * @module
 */

import { escapeHtml } from "../display/mod.ts";
import type { ReportSection } from "../report/mod.ts";
import { kernelTable, sweepFigure, sweepTable, waterfallFigure } from "./figures.ts";
import type { WhyFasterSummary } from "./why_faster.ts";

/**
 * "Why is it faster": the waterfall and kernel table of `report.extra.profile` (a
 * `WhyFasterSummary`), and its sweep when there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROFILE_SECTION } from "./report_section.ts";
 * // deno-lint-ignore no-explicit-any
 * assert.equal(PROFILE_SECTION.render({ extra: {} } as any), undefined);
 * ```
 */
export const PROFILE_SECTION: ReportSection = {
  id: "profile",
  title: "Why is it faster?",
  render: (report) => {
    const p = report.extra.profile as WhyFasterSummary | undefined;
    if (!p?.comparison) return undefined;
    const { reference, candidate } = p.comparison;
    const cpu = `uint8 × int8 products accumulate ${
      p.cpu.accumulation === "int32"
        ? "exactly in int32 (VNNI/AMX or Arm)"
        : "in saturating int16 pairs (x86 without VNNI: 7-bit weights)"
    }; ISA ${p.cpu.isa.join(" ") || "none of interest"}`;
    return [
      `<p>ONNX Runtime's profiler at batch ${p.batch} × ${p.seq} tokens: ` +
      `${escapeHtml(reference.name)} ${reference.profile.kernelMs.toFixed(1)} ms of kernels per ` +
      `run, ${escapeHtml(candidate.name)} ${
        candidate.profile.kernelMs.toFixed(1)
      } ms. The ratios ` +
      `depend on the CPU: ${escapeHtml(cpu)}.</p>`,
      waterfallFigure(p.comparison).toHtmlDiv("profile-waterfall"),
      kernelTable(p.comparison).toHtml(),
      ...(p.sweep
        ? [sweepFigure(p.sweep).toHtmlDiv("profile-sweep"), sweepTable(p.sweep).toHtml()]
        : []),
    ].join("\n");
  },
};
