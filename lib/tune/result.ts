/**
 * What `tune` returns: whether a configuration met the criterion, the best trial and its model,
 * the FP32 baseline and the whole history. Shows itself as a table of trials in notebooks.
 *
 * @module
 */

import { type Cell, JUPYTER_DISPLAY, type MimeBundle, Table } from "../display/mod.ts";
import type { Model } from "../onnx/mod.ts";
import type { CalibrationResult, QuantReport } from "../quant/mod.ts";
import type { AccuracyCriterion } from "./criterion.ts";
import { describeRecipe } from "./recipes.ts";
import type { SensitivityEntry } from "./sensitivity.ts";
import type { StopReason, Trial, TuneBaseline } from "./types.ts";

/** The parts of a {@link TuneResult}. */
export interface TuneResultInit {
  met: boolean;
  best: Trial;
  /** The best trial's quantized model. */
  model: Model;
  /** The best trial's quantization report. */
  report: QuantReport;
  baseline: TuneBaseline;
  history: Trial[];
  message: string;
  strategy: string;
  criterion: AccuracyCriterion;
  /** Lowest accuracy that meets the criterion. */
  threshold: number;
  stopReason: StopReason;
  /** Sensitivities measured (blocks and ops), in measurement order. */
  sensitivity: SensitivityEntry[];
  /** The calibration used (static). */
  calibration?: CalibrationResult;
  /** Wall time of the whole run, calibration and baseline included. */
  seconds: number;
}

/** The outcome of a tune run. */
export class TuneResult implements TuneResultInit {
  readonly met: boolean;
  readonly best: Trial;
  readonly model: Model;
  readonly report: QuantReport;
  readonly baseline: TuneBaseline;
  readonly history: Trial[];
  readonly message: string;
  readonly strategy: string;
  readonly criterion: AccuracyCriterion;
  readonly threshold: number;
  readonly stopReason: StopReason;
  readonly sensitivity: SensitivityEntry[];
  readonly calibration?: CalibrationResult;
  readonly seconds: number;

  constructor(init: TuneResultInit) {
    this.met = init.met;
    this.best = init.best;
    this.model = init.model;
    this.report = init.report;
    this.baseline = init.baseline;
    this.history = init.history;
    this.message = init.message;
    this.strategy = init.strategy;
    this.criterion = init.criterion;
    this.threshold = init.threshold;
    this.stopReason = init.stopReason;
    this.sensitivity = init.sensitivity;
    this.calibration = init.calibration;
    this.seconds = init.seconds;
  }

  /** The FP32 baseline and every trial, one row each; the best trial is starred. */
  table(): Table {
    const rows: Record<string, Cell>[] = [{
      trial: "FP32",
      phase: "baseline",
      recipe: "",
      "FP32 nodes": "all",
      accuracy: this.baseline.accuracy,
      "Δ accuracy %": 0,
      f1: this.baseline.f1,
      agreement: 1,
      "latency ms": this.baseline.latencyMs,
      "size MB": this.baseline.sizeBytes / 1e6,
      seconds: undefined,
      met: "",
    }];
    for (const t of this.history) {
      rows.push({
        trial: t.index === this.best.index ? `${t.index} ★` : String(t.index),
        phase: t.phase,
        recipe: describeRecipe(t.config.recipe),
        "FP32 nodes": fallbackLabel(t),
        accuracy: t.accuracy,
        "Δ accuracy %": relativeChange(t.accuracy, this.baseline.accuracy),
        f1: t.f1,
        agreement: t.agreement,
        "latency ms": t.latencyMs,
        "size MB": t.sizeBytes / 1e6,
        seconds: t.seconds,
        met: t.met ? "✓" : "✗",
      });
    }
    const timed = this.baseline.latencyMs !== undefined;
    const columns = Object.keys(rows[0]).filter((c) => timed || c !== "latency ms");
    return new Table(rows, { title: this.message, digits: 4, columns });
  }

  /** Plain data for `report.json` (no model, no calibration histograms). */
  toJSON(): Record<string, unknown> {
    return {
      met: this.met,
      message: this.message,
      strategy: this.strategy,
      criterion: this.criterion,
      threshold: this.threshold,
      stopReason: this.stopReason,
      seconds: this.seconds,
      baseline: this.baseline,
      best: this.best,
      history: this.history,
      sensitivity: this.sensitivity,
      quantized: this.report.counts,
    };
  }

  /** The message and the trial table. */
  toString(): string {
    return this.table().toString();
  }

  /** Rich output for Deno's Jupyter kernel: the trial table. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.table()[JUPYTER_DISPLAY]();
  }
}

/** Accuracy change against FP32 in percent of FP32. */
function relativeChange(accuracy: number, baseline: number): number {
  return baseline === 0 ? 0 : (100 * (accuracy - baseline)) / baseline;
}

function fallbackLabel(t: Trial): string {
  if (t.fallbackNodes.length === 0) return "0";
  const groups = t.config.fallback.map((g) => g.split("/").filter(Boolean).slice(-3).join("/"));
  const shown = groups.length > 3 ? [...groups.slice(0, 3), "…"] : groups;
  return `${t.fallbackNodes.length}: ${shown.join(", ")}`;
}
