/**
 * Which type each op actually runs in once ONNX Runtime has loaded a model: ORT rewrites the graph
 * (its fusions, and on CPU the Casts it inserts around FLOAT16 nodes that have no FLOAT16 kernel),
 * so the converter's plan is not the whole story. This reads back the graph ORT runs
 * (`optimizedModelFilePath`) and types its nodes.
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataType, encodeModel, type Model, readModel } from "../onnx/mod.ts";
import { createSession, type GraphOptimizationLevel } from "../runtime/mod.ts";
import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle, Table } from "../display/mod.ts";
import { inferElemTypes, opKey } from "./elem_types.ts";

const FLOAT_TYPES: Record<number, ExecutedType> = {
  [DataType.FLOAT]: "fp32",
  [DataType.FLOAT16]: "fp16",
  [DataType.BFLOAT16]: "bf16",
  [DataType.DOUBLE]: "fp64",
};

/** The float type a node computes in, or `"none"` when it touches no float tensor. */
export type ExecutedType = "fp32" | "fp16" | "bf16" | "fp64" | "none";

/** Nodes of one op type in the graph ORT runs, by the float type they compute in. */
export interface ExecutedOpRow {
  op: string;
  nodes: number;
  byType: Partial<Record<ExecutedType, number>>;
}

/** Options of {@link ortExecutedPrecision}. */
export interface ExecutedPrecisionOptions {
  /** ORT's optimization level for the session (default `"all"`, as the benchmarks use). */
  graphOptimizationLevel?: GraphOptimizationLevel;
}

/** The op types and float types of the graph ONNX Runtime actually runs. */
export class ExecutedPrecision {
  constructor(
    readonly level: GraphOptimizationLevel,
    readonly rows: ExecutedOpRow[],
  ) {}

  /** Nodes (Casts excluded) computing in each float type. */
  totals(): Partial<Record<ExecutedType, number>> {
    const totals: Partial<Record<ExecutedType, number>> = {};
    for (const row of this.rows) {
      if (row.op === "Cast") continue;
      for (const [type, n] of Object.entries(row.byType) as [ExecutedType, number][]) {
        totals[type] = (totals[type] ?? 0) + n;
      }
    }
    return totals;
  }

  /** Cast nodes in the graph ORT runs (the converter's and ORT's own). */
  get casts(): number {
    return this.rows.find((r) => r.op === "Cast")?.nodes ?? 0;
  }

  /** The nodes per op and type as a table. */
  table(title = `Ops as ONNX Runtime runs them (optimization "${this.level}")`): Table {
    return new Table(
      this.rows.map((r) => ({
        op: r.op,
        nodes: r.nodes,
        fp32: r.byType.fp32 ?? 0,
        fp16: r.byType.fp16 ?? 0,
        bf16: r.byType.bf16 ?? 0,
        "no float": r.byType.none ?? 0,
      })),
      { title },
    );
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const t = this.table();
    const totals = Object.entries(this.totals()).map(([k, v]) => `${k}: ${v}`).join(", ");
    return {
      "text/html": `<p>${
        escapeHtml(`Nodes by compute type — ${totals}; Casts: ${this.casts}`)
      }</p>${t.toHtml()}`,
      "text/plain": `Nodes by compute type — ${totals}; Casts: ${this.casts}\n${t}`,
    };
  }
}

/**
 * Loads `model` (a path or an in-memory model) in ONNX Runtime's CPU provider, reads back the
 * graph ORT runs and counts each op's nodes by the float type they compute in (a node's first
 * float input, else its first float output).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attr, createModel, DataType, GraphBuilder } from "../onnx/mod.ts";
 * import { ortExecutedPrecision } from "./executed.ts";
 * const b = new GraphBuilder();
 * const x = b.input("x", DataType.FLOAT, [2, 2]);
 * const half = b.op("Cast", [x], { attributes: { to: attr.int(DataType.FLOAT16) } });
 * const y = b.op("Relu", [b.op("Transpose", [half])]);
 * b.output(b.op("Cast", [y], { attributes: { to: attr.int(DataType.FLOAT) } }), DataType.FLOAT);
 * const executed = await ortExecutedPrecision(createModel(b.build()), { graphOptimizationLevel: "disabled" });
 * const byOp = Object.fromEntries(executed.rows.map((r) => [r.op, r.byType]));
 * assert.deepEqual(byOp.Transpose, { fp16: 1 }); // a native fp16 kernel
 * assert.deepEqual(byOp.Relu, { fp32: 1 });      // ORT casts around it and runs float32
 * ```
 */
export async function ortExecutedPrecision(
  model: string | Model,
  options: ExecutedPrecisionOptions = {},
): Promise<ExecutedPrecision> {
  const level = options.graphOptimizationLevel ?? "all";
  const dir = await mkdtemp(join(tmpdir(), "ort-executed-"));
  try {
    const optimized = join(dir, "optimized.onnx");
    const session = await createSession(typeof model === "string" ? model : encodeModel(model), {
      graphOptimizationLevel: level,
      optimizedModelFilePath: optimized,
      intraOpThreads: 1,
    });
    await session.session.release();
    const graph = (await readModel(optimized)).graph;
    const types = inferElemTypes(graph);
    const rows = new Map<string, ExecutedOpRow>();
    for (const node of graph.nodes) {
      const op = opKey(node);
      const floatOf = (names: string[]) =>
        names.map((n) => FLOAT_TYPES[types.get(n) ?? 0]).find((t) => t !== undefined);
      const type: ExecutedType = floatOf(node.inputs.filter(Boolean)) ??
        floatOf(node.outputs.filter(Boolean)) ?? "none";
      const row = rows.get(op) ?? { op, nodes: 0, byType: {} };
      row.nodes++;
      row.byType[type] = (row.byType[type] ?? 0) + 1;
      rows.set(op, row);
    }
    return new ExecutedPrecision(level, [...rows.values()].sort((a, b) => b.nodes - a.nodes));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
