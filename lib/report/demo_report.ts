import { Figure } from "../display/figure.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display/html.ts";
import { Table } from "../display/table.ts";
import type { MachineInfo } from "../bench/machine.ts";
import {
  formatInterval,
  type Interval,
  intervalContains,
  type VariantComparison,
} from "../stats/mod.ts";

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
  /** `confusion[actual][predicted]` on the dataset. */
  confusion?: number[][];
  /**
   * Median latency (ms) with its confidence interval per batch size, and the speed-up over FP32
   * (per-round ratio of interleaved runs), from `interleavedLatency`.
   */
  latency?: {
    b1: Interval;
    b8: Interval;
    speedup?: { b1: Interval; b8: Interval };
  };
  /** Anything else a technique wants to record (its options, timings, history). */
  details?: Record<string, unknown>;
}

/** How, where and when the report's numbers were made (shown in the report's run section). */
export type RunInfo = Record<string, string | number | boolean | undefined>;

/** What `report.json` holds. */
export interface DemoReportJson {
  model: string;
  dataset: string;
  createdAt: string;
  machine?: MachineInfo;
  results: VariantResult[];
  /** The statistics of the comparison with FP32 (intervals, McNemar, flips). */
  comparison?: VariantComparison;
  run?: RunInfo;
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
  /** Set by the run that made the variants (`compareVariants` of `lib/stats`). */
  comparison?: VariantComparison;
  /** Command, profile, seeds, versions and timings of the run. */
  run?: RunInfo;
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

  /**
   * The results as a table (one row per variant): accuracy and F1 with their intervals, the
   * paired delta to FP32 and McNemar's p-value when a comparison is attached, latency with its
   * interval and the speed-up over FP32. A value within noise (interval containing 0, or 1 for
   * a speed-up) is marked `≈`.
   */
  table(): Table {
    const fp32 = this.results[0];
    const c = this.comparison;
    return new Table(
      this.results.map((r) => {
        const ci = c?.intervals[r.name];
        const vs = c?.candidates[r.name];
        const speed = r.latency?.speedup;
        return {
          variant: r.name,
          accuracy: ci ? formatInterval(ci.accuracy) : r.accuracy,
          f1: ci ? formatInterval(ci.f1) : r.f1,
          "Δ accuracy": ci?.accuracyDelta ? marked(ci.accuracyDelta, 0) : undefined,
          "McNemar p": vs?.mcnemar.pValue,
          flips: vs?.flipped.length,
          agreement: r.agreement,
          "max |Δlogit|": r.maxAbsLogitError,
          "b1 ms": r.latency ? formatInterval(r.latency.b1, 2) : r.latencyMs.b1,
          "b8 ms": r.latency ? formatInterval(r.latency.b8, 2) : r.latencyMs.b8,
          "speed-up b1": speed ? marked(speed.b1, 1, "×") : ratio(fp32, r, "b1"),
          "speed-up b8": speed ? marked(speed.b8, 1, "×") : ratio(fp32, r, "b8"),
          "size MB": r.sizeBytes / 1e6,
        };
      }),
      {
        title: `${this.model} on ${this.dataset}` +
          (c ? ` (${Math.round(c.level * 100)}% intervals; ≈ within noise)` : ""),
        digits: 3,
      },
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
      ...(this.comparison ? { comparison: this.comparison } : {}),
      ...(this.run ? { run: this.run } : {}),
      ...this.extra,
    };
  }

  /** Rich output for Deno's Jupyter kernel: the table then the chart. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const table = this.table();
    const figure = this.figure();
    return {
      "application/vnd.plotly.v1+json": figure.toJSON(),
      "text/html": `${table.toHtml()}\n${figure.toNotebookHtml()}`,
      "text/plain": table.toString(),
    };
  }
}

/** An interval as text, prefixed `≈` when it contains `noise` (0 for a delta, 1 for a ratio). */
function marked(interval: Interval, noise: number, unit = ""): string {
  const text = noise === 1
    ? `${interval.estimate.toFixed(2)}${unit} [${interval.low.toFixed(2)}, ${
      interval.high.toFixed(2)
    }]`
    : formatInterval(interval);
  return intervalContains(interval, noise) ? `≈ ${text}` : text;
}

function ratio(fp32: VariantResult | undefined, r: VariantResult, batch: "b1" | "b8"): string {
  return fp32 ? `${(fp32.latencyMs[batch] / r.latencyMs[batch]).toFixed(2)}×` : "";
}
