/**
 * What a mixed-precision conversion did: every float node's category, type and compute mode,
 * the Casts inserted and removed, the constants converted and the values they lost.
 *
 * @module
 */

import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle, Table } from "../display/mod.ts";
import type { RedundantCastsRemoved } from "./casts.ts";
import type { MissingKernelPolicy, PrecisionTarget, RuntimeKernels } from "./options.ts";
import type { ComputeMode, NodeCategory, NodePrecision } from "./plan.ts";
import { maxFinite } from "./rounding.ts";

/** A tensor and how many of its values something happened to. */
export interface TensorCount {
  tensor: string;
  count: number;
  /** Largest |value| of the float32 tensor. */
  maxAbs: number;
}

/** The data of a {@link MixedPrecisionReport}. */
export interface MixedPrecisionReportData {
  target: PrecisionTarget;
  options: {
    keepIoFp32: boolean;
    runtime: RuntimeKernels;
    missingKernels: MissingKernelPolicy;
    saturate: boolean;
    excludeNodes: string[];
  };
  /** The plan of every node that touches float tensors. */
  nodes: NodePrecision[];
  casts: {
    /** Cast nodes in the float32 graph. */
    original: number;
    /** Casts the converter added. */
    inserted: number;
    /** What the redundant-Cast pass removed (added or original). */
    removed: RedundantCastsRemoved;
    /** Cast nodes in the converted graph. */
    final: number;
  };
  initializers: {
    /** Constants (initializers and Constant nodes) converted to the lower type. */
    converted: number;
    /** Of those, constants also read in float32, so kept twice. */
    copied: number;
    bytesBefore: number;
    bytesAfter: number;
  };
  /** Tensors with values clamped to ±max (fp16 by default). */
  clamped: TensorCount[];
  /** Tensors with finite values rounded to ±Infinity (bf16 by default). */
  overflowed: TensorCount[];
  /** Tensors with non-zero values flushed to zero. */
  underflowed: TensorCount[];
}

/** One row per op type: how many nodes ran in which type and how. */
export interface OpPrecisionRow {
  op: string;
  category: NodeCategory;
  nodes: number;
  /** Nodes whose tensors are in the lower type. */
  lower: number;
  /** Nodes in float32. */
  fp32: number;
  /** Nodes per compute mode. */
  compute: Partial<Record<ComputeMode, number>>;
}

/**
 * The report of `convertToMixedPrecision`: shows itself in a notebook as a summary, the AMP
 * category table of the model, and the warnings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MixedPrecisionReport } from "./precision_report.ts";
 * const report = new MixedPrecisionReport({
 *   target: "fp16",
 *   options: { keepIoFp32: true, runtime: "any", missingKernels: "emulate", saturate: true, excludeNodes: [] },
 *   nodes: [{ name: "mm", op: "MatMul", category: "lowerPrecision", precision: "fp16", compute: "native", reason: "" }],
 *   casts: { original: 0, inserted: 2, removed: { noOps: 0, roundTrips: 0, duplicates: 0, dead: 0, nodes: [] }, final: 2 },
 *   initializers: { converted: 1, copied: 0, bytesBefore: 64, bytesAfter: 32 },
 *   clamped: [{ tensor: "w", count: 3, maxAbs: 1e5 }],
 *   overflowed: [],
 *   underflowed: [],
 * });
 * assert.match(report.warnings[0], /clamped 3 value\(s\) .* "w"/);
 * assert.deepEqual(report.opRows()[0], { op: "MatMul", category: "lowerPrecision", nodes: 1, lower: 1, fp32: 0, compute: { native: 1 } });
 * ```
 */
export class MixedPrecisionReport {
  readonly data: MixedPrecisionReportData;

  constructor(data: MixedPrecisionReportData) {
    this.data = data;
  }

  get target(): PrecisionTarget {
    return this.data.target;
  }

  get nodes(): NodePrecision[] {
    return this.data.nodes;
  }

  get casts(): MixedPrecisionReportData["casts"] {
    return this.data.casts;
  }

  /** Human-readable warnings: clamped and overflowed constants, named. */
  get warnings(): string[] {
    const list = (items: TensorCount[]) =>
      items.map((t) => `"${t.tensor}" (${t.count}, max |x| ${t.maxAbs.toExponential(3)})`).join(
        ", ",
      );
    const total = (items: TensorCount[]) => items.reduce((n, t) => n + t.count, 0);
    const name = this.target.toUpperCase();
    const warnings: string[] = [];
    if (this.data.clamped.length > 0) {
      warnings.push(
        `${name}: clamped ${total(this.data.clamped)} value(s) beyond ±${maxFinite(this.target)} ` +
          `to ±${maxFinite(this.target)} in ${this.data.clamped.length} tensor(s): ` +
          `${list(this.data.clamped)}. Exclude their consumers (excludeNodes) if the exact value ` +
          `matters.`,
      );
    }
    if (this.data.overflowed.length > 0) {
      warnings.push(
        `${name}: ${total(this.data.overflowed)} finite value(s) rounded to ±Infinity in ` +
          `${this.data.overflowed.length} tensor(s): ${list(this.data.overflowed)}. ` +
          `Pass saturate: true to clamp them to ±${maxFinite(this.target)} instead.`,
      );
    }
    return warnings;
  }

  /** Nodes per precision: `{ lower, fp32 }`. */
  precisionCounts(): { lower: number; fp32: number } {
    const lower = this.nodes.filter((n) => n.precision !== "fp32").length;
    return { lower, fp32: this.nodes.length - lower };
  }

  /** One row per op type, most frequent first. */
  opRows(): OpPrecisionRow[] {
    const rows = new Map<string, OpPrecisionRow>();
    for (const node of this.nodes) {
      const row = rows.get(node.op) ??
        { op: node.op, category: node.category, nodes: 0, lower: 0, fp32: 0, compute: {} };
      row.nodes++;
      if (node.precision === "fp32") row.fp32++;
      else row.lower++;
      row.compute[node.compute] = (row.compute[node.compute] ?? 0) + 1;
      rows.set(node.op, row);
    }
    const order: NodeCategory[] = [
      "lowerPrecision",
      "fallthrough",
      "fp32",
      "unlisted",
      "cast",
      "source",
    ];
    return [...rows.values()].sort((a, b) =>
      order.indexOf(a.category) - order.indexOf(b.category) || b.nodes - a.nodes
    );
  }

  /** The AMP category table of the model: op, category, nodes, in which type, how computed. */
  categoryTable(): Table {
    const t = this.target;
    return new Table(
      this.opRows().map((r) => ({
        op: r.op,
        category: r.category,
        nodes: r.nodes,
        [`in ${t}`]: r.lower,
        "in fp32": r.fp32,
        compute: Object.entries(r.compute).map(([mode, n]) => `${mode} ×${n}`).join(", "),
      })),
      { title: `AMP categories of the model's ops (${t})` },
    );
  }

  /** One-row summary: nodes per type, Casts, size. */
  summaryTable(): Table {
    const { casts, initializers } = this.data;
    const counts = this.precisionCounts();
    return new Table([{
      target: this.target,
      [`nodes in ${this.target}`]: counts.lower,
      "nodes in fp32": counts.fp32,
      "casts inserted": casts.inserted,
      "redundant casts removed": casts.removed.nodes.length,
      "casts in graph": casts.final,
      "constants converted": initializers.converted,
      "weights MB before": initializers.bytesBefore / 1e6,
      "weights MB after": initializers.bytesAfter / 1e6,
      "clamped values": this.data.clamped.reduce((n, c) => n + c.count, 0),
      "values → ±Inf": this.data.overflowed.reduce((n, c) => n + c.count, 0),
      "values → 0": this.data.underflowed.reduce((n, c) => n + c.count, 0),
    }], { title: `Mixed precision (${this.target})`, digits: 2 });
  }

  toJSON(): MixedPrecisionReportData {
    return this.data;
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const summary = this.summaryTable();
    const table = this.categoryTable();
    const warnings = this.warnings.map((w) => `<p class="warning">⚠ ${escapeHtml(w)}</p>`).join(
      "\n",
    );
    return {
      "text/html": `${summary.toHtml()}\n${warnings}\n${table.toHtml()}`,
      "text/plain": [summary.toString(), ...this.warnings, table.toString()].join("\n\n"),
    };
  }
}
