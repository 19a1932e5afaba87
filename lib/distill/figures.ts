/**
 * Charts of the distillation notebook: the teacher's soft labels at several temperatures and the
 * training curves (loss per update, validation accuracy), drawn live while training when the code
 * runs in Deno's Jupyter kernel.
 *
 * @module
 */
import { Figure, type PlotlyTrace } from "../display/figure.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display/html.ts";
import { Table } from "../display/table.ts";
import type { EvalRecord, StepRecord } from "../train/mod.ts";
import { softmaxWithTemperature } from "./kd_loss.ts";

/** The soft labels of one example at one temperature. */
export interface SoftLabels {
  temperature: number;
  /** `softmax(logits / T)`. */
  probabilities: number[];
  /** Entropy in bits: 0 for a one-hot label, log₂(classes) for a uniform one. */
  entropyBits: number;
}

/**
 * `softmax(logits / T)` at each temperature, with its entropy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softLabels } from "./figures.ts";
 * const [t1, t8] = softLabels([3, -1], [1, 8]);
 * assert.ok(t8.entropyBits > t1.entropyBits);
 * assert.ok(t8.probabilities[0] < t1.probabilities[0]);
 * ```
 */
export function softLabels(
  logits: ArrayLike<number>,
  temperatures: readonly number[] = [1, 2, 4, 8],
): SoftLabels[] {
  return temperatures.map((temperature) => {
    const probabilities = softmaxWithTemperature(logits, temperature);
    const entropyBits = -probabilities.reduce((s, p) => s + (p > 0 ? p * Math.log2(p) : 0), 0);
    return { temperature, probabilities, entropyBits };
  });
}

/** Options of {@link softLabelsFigure}. */
export interface SoftLabelsFigureOptions {
  /** Class names (default `class 0`, `class 1`, …). */
  labels?: readonly string[];
  /** Chart title. */
  title?: string;
}

/**
 * Grouped bars: one group per class, one bar per temperature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softLabels, softLabelsFigure } from "./figures.ts";
 * const fig = softLabelsFigure(softLabels([2, 0]), { labels: ["no", "yes"] });
 * assert.equal(fig.data.length, 4);
 * assert.deepEqual(fig.data[0].x, ["no", "yes"]);
 * ```
 */
export function softLabelsFigure(
  soft: readonly SoftLabels[],
  options: SoftLabelsFigureOptions = {},
): Figure {
  const classes = soft[0]?.probabilities.length ?? 0;
  const x = Array.from({ length: classes }, (_, k) => options.labels?.[k] ?? `class ${k}`);
  return new Figure(
    soft.map((s) => ({
      type: "bar",
      name: `T = ${s.temperature}`,
      x,
      y: s.probabilities,
      text: s.probabilities.map((p) => p.toFixed(3)),
    })),
    {
      title: { text: options.title ?? "Teacher's soft labels: softmax(z / T)" },
      barmode: "group",
      yaxis: { title: { text: "probability" }, range: [0, 1] },
    },
  );
}

/**
 * The soft labels as a table (one row per temperature).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { softLabels, softLabelsTable } from "./figures.ts";
 * const table = softLabelsTable(softLabels([2, 0], [1, 2]), { labels: ["no", "yes"] });
 * assert.deepEqual(table.columns, ["T", "p(no)", "p(yes)", "entropy (bits)"]);
 * ```
 */
export function softLabelsTable(
  soft: readonly SoftLabels[],
  options: SoftLabelsFigureOptions = {},
): Table {
  return new Table(
    soft.map((s) => {
      const row: Record<string, number> = { T: s.temperature };
      s.probabilities.forEach((p, k) => row[`p(${options.labels?.[k] ?? `class ${k}`})`] = p);
      row["entropy (bits)"] = s.entropyBits;
      return row;
    }),
    { title: options.title ?? "Soft labels by temperature" },
  );
}

/** One training run's records (a `TrainResult` fits). */
export interface CurveRun {
  /** Legend name (default `train`). */
  name?: string;
  history: readonly StepRecord[];
  evals: readonly EvalRecord[];
}

/**
 * Training loss per update (thin line) with its moving average (thick line) on the left axis and
 * validation accuracy on the right axis, for one or more runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trainingCurvesFigure } from "./figures.ts";
 * const history = [1, 2, 3].map((step) => ({ step, epoch: step / 3, lr: 1e-4, loss: 1 / step, gradNorm: 1, rows: 8, tokens: 80, paddedTokens: 96, ms: 10 }));
 * const fig = trainingCurvesFigure([{ name: "kd", history, evals: [{ step: 3, epoch: 1, accuracy: 0.7, f1: 0.8, loss: 0.6 }] }]);
 * assert.equal(fig.data.length, 3);
 * ```
 */
export function trainingCurvesFigure(
  runs: readonly CurveRun[],
  options: { title?: string; smoothing?: number } = {},
): Figure {
  const data: PlotlyTrace[] = [];
  runs.forEach((run, i) => {
    const name = run.name ?? "train";
    const steps = run.history.map((r) => r.step);
    const losses = run.history.map((r) => r.loss);
    const window = options.smoothing ?? Math.max(1, Math.round(run.history.length / 20));
    data.push(
      {
        type: "scatter",
        mode: "lines",
        name: `${name}: loss`,
        x: steps,
        y: losses,
        line: { width: 1 },
        opacity: 0.35,
        legendgroup: name,
        showlegend: false,
        marker: { color: COLORS[i % COLORS.length] },
      },
      {
        type: "scatter",
        mode: "lines",
        name: `${name}: loss (mean of ${window})`,
        x: steps,
        y: movingAverage(losses, window),
        line: { width: 2.5, color: COLORS[i % COLORS.length] },
        legendgroup: name,
      },
    );
    if (run.evals.length) {
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name: `${name}: validation accuracy`,
        x: run.evals.map((e) => e.step),
        y: run.evals.map((e) => e.accuracy),
        yaxis: "y2",
        line: { dash: "dot", color: COLORS[i % COLORS.length] },
        legendgroup: name,
      });
    }
  });
  return new Figure(data, {
    title: { text: options.title ?? "Training curves" },
    xaxis: { title: { text: "update" } },
    yaxis: { title: { text: "training loss" } },
    yaxis2: { title: { text: "validation accuracy" }, overlaying: "y", side: "right" },
    legend: { orientation: "h", y: -0.2 },
  });
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"];

/**
 * Trailing moving average over `window` values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { movingAverage } from "./figures.ts";
 * assert.deepEqual(movingAverage([2, 4, 6, 8], 2), [2, 3, 5, 7]);
 * ```
 */
export function movingAverage(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  });
  return out;
}

/** Options of {@link LiveTrainingChart}. */
export interface LiveTrainingChartOptions {
  /** Legend name of the run. */
  name?: string;
  title?: string;
  /** Redraw every N updates (default 5); evaluations always redraw. */
  every?: number;
}

/**
 * Training curves that redraw themselves while `train` runs: pass `chart.onStep` and
 * `chart.onEval` as the engine's callbacks. In Deno's Jupyter kernel the chart is displayed once
 * and then updated in place (`Deno.jupyter.display` with a `display_id`); elsewhere the callbacks
 * only record, and the chart shows when it is a cell's value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LiveTrainingChart } from "./figures.ts";
 * const chart = new LiveTrainingChart({ name: "kd" });
 * await chart.onStep({ step: 1, epoch: 0.1, lr: 1e-4, loss: 0.7, gradNorm: 1, rows: 8, tokens: 80, paddedTokens: 96, ms: 10 });
 * assert.equal(chart.history.length, 1);
 * assert.equal(chart.live, false); // not in a notebook
 * ```
 */
export class LiveTrainingChart {
  readonly history: StepRecord[] = [];
  readonly evals: EvalRecord[] = [];
  readonly options: LiveTrainingChartOptions;
  /** Whether updates go to a Jupyter display. */
  readonly live: boolean;
  readonly #displayId = `train-${crypto.randomUUID()}`;
  #shown = false;

  constructor(options: LiveTrainingChartOptions = {}) {
    this.options = options;
    this.live = jupyter() !== undefined;
  }

  /** The engine's `onStep`. */
  onStep = async (record: StepRecord): Promise<void> => {
    this.history.push(record);
    if (record.step % (this.options.every ?? 5) === 0 || !this.#shown) await this.#draw();
  };

  /** The engine's `onEval`. */
  onEval = async (record: EvalRecord): Promise<void> => {
    this.evals.push(record);
    await this.#draw();
  };

  /** The curves so far. */
  figure(): Figure {
    return trainingCurvesFigure(
      [{ name: this.options.name, history: this.history, evals: this.evals }],
      { title: this.options.title },
    );
  }

  async #draw(): Promise<void> {
    const api = jupyter();
    if (!api) return;
    await api.display(this.figure(), { display_id: this.#displayId, update: this.#shown });
    this.#shown = true;
  }

  /** Rich output: the final curves. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.figure()[JUPYTER_DISPLAY]();
  }
}

type JupyterApi = {
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<void>;
};

/** `Deno.jupyter` inside the kernel, else undefined (outside it, accessing it throws). */
function jupyter(): JupyterApi | undefined {
  try {
    const api = (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
    return typeof api?.display === "function" ? api : undefined;
  } catch {
    return undefined;
  }
}
