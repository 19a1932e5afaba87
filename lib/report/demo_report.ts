import { Figure } from "../display/figure.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display/html.ts";
import { Table } from "../display/table.ts";
import type { MachineInfo } from "../bench/machine.ts";

/** One model variant's results on the demo's dataset. */
export interface VariantResult {
  /** `fp32`, `int8-dynamic`, `int8-static`, … */
  name: string;
  accuracy: number;
  f1: number;
  /** Median latency in ms at sequence length 128, batch 1 and batch 8. */
  latencyMs: { b1: number; b8: number };
  /** Model size on disk (the .onnx file plus any external data). */
  sizeBytes: number;
  /** Share of rows predicted like the FP32 model (1 for FP32 itself). */
  agreement?: number;
  /** Largest absolute logit difference to the FP32 model. */
  maxAbsLogitError?: number;
  /** Where the model file is. */
  path?: string;
  /** Anything else a technique wants to record (its options, timings, history). */
  details?: Record<string, unknown>;
}

/** What `report.json` holds. */
export interface DemoReportJson {
  model: string;
  dataset: string;
  createdAt: string;
  machine?: MachineInfo;
  results: VariantResult[];
  [extra: string]: unknown;
}

/**
 * The demo's results: one entry per model variant, shown as a table and bar charts in notebooks
 * and written as `report.json` plus an HTML page by {@link writeReport}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DemoReport } from "./demo_report.ts";
 * const report = new DemoReport({ model: "m", dataset: "glue/mrpc:validation" });
 * report.add({ name: "fp32", accuracy: 0.7, f1: 0.8, latencyMs: { b1: 5, b8: 30 }, sizeBytes: 1e6 });
 * assert.equal(report.toJSON().results[0].name, "fp32");
 * ```
 */
export class DemoReport {
  readonly model: string;
  readonly dataset: string;
  machine?: MachineInfo;
  readonly results: VariantResult[] = [];
  readonly extra: Record<string, unknown> = {};
  readonly createdAt = new Date().toISOString();

  constructor(options: { model: string; dataset: string; machine?: MachineInfo }) {
    this.model = options.model;
    this.dataset = options.dataset;
    this.machine = options.machine;
  }

  /** Adds a variant, replacing an earlier one of the same name. */
  add(result: VariantResult): this {
    const at = this.results.findIndex((r) => r.name === result.name);
    if (at >= 0) this.results[at] = result;
    else this.results.push(result);
    return this;
  }

  /** The results as a table (one row per variant). */
  table(): Table {
    return new Table(
      this.results.map((r) => ({
        variant: r.name,
        accuracy: r.accuracy,
        f1: r.f1,
        agreement: r.agreement,
        "max |Δlogit|": r.maxAbsLogitError,
        "b1 ms": r.latencyMs.b1,
        "b8 ms": r.latencyMs.b8,
        "size MB": r.sizeBytes / 1e6,
      })),
      { title: `${this.model} on ${this.dataset}`, digits: 3 },
    );
  }

  /** Accuracy/F1, latency and size side by side as grouped bars. */
  figure(): Figure {
    const names = this.results.map((r) => r.name);
    const bar = (y: number[], name: string, axis: string) => ({
      type: "bar",
      x: names,
      y,
      name,
      xaxis: axis.replace("y", "x"),
      yaxis: axis,
    });
    return new Figure([
      bar(this.results.map((r) => r.accuracy), "accuracy", "y"),
      bar(this.results.map((r) => r.f1), "F1", "y"),
      bar(this.results.map((r) => r.latencyMs.b1), "latency b1 (ms)", "y2"),
      bar(this.results.map((r) => r.latencyMs.b8), "latency b8 (ms)", "y2"),
      bar(this.results.map((r) => r.sizeBytes / 1e6), "size (MB)", "y3"),
    ], {
      title: { text: `${this.model}: quality, speed and size` },
      grid: { rows: 1, columns: 3, pattern: "independent" },
      barmode: "group",
      yaxis: { title: { text: "accuracy / F1" }, range: [0, 1] },
      yaxis2: { title: { text: "ms (seq 128)" } },
      yaxis3: { title: { text: "MB" } },
      height: 420,
    });
  }

  toJSON(): DemoReportJson {
    return {
      model: this.model,
      dataset: this.dataset,
      createdAt: this.createdAt,
      ...(this.machine ? { machine: this.machine } : {}),
      results: this.results,
      ...this.extra,
    };
  }

  /** Rich output for Deno's Jupyter kernel: the table then the chart. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const table = this.table();
    const figure = this.figure();
    return {
      ...figure[JUPYTER_DISPLAY](),
      "text/html": `${table.toHtml()}\n${figure.toHtml()}`,
      "text/plain": table.toString(),
    };
  }
}
