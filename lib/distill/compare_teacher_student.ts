/**
 * Teacher versus student, as the deck quotes DistilBERT against BERT: size on disk, latency at
 * batch 1 and 8 × 128 tokens, and accuracy retained on the validation split, with a table and a
 * chart for the notebook.
 *
 * Definitions: `sizeReduction = 1 − size_s / size_t` ("40% smaller"), `accuracyRetained =
 * acc_s / acc_t` ("97% retained"), `faster = latency_t / latency_s − 1` ("60% faster" is
 * DistilBERT's 1.6× speed-up of inference).
 *
 * @module
 */
import type { MeasureOptions } from "../bench/mod.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display/html.ts";
import { Figure } from "../display/figure.ts";
import { Table } from "../display/table.ts";
import type { EvaluationResult, LabelledBatch } from "../eval/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import type { VariantResult } from "../report/mod.ts";
import type { SessionOptions } from "../runtime/mod.ts";
import { evaluateVariant } from "../eval/evaluate_variant.ts";

/** DistilBERT's figures against BERT-base (Sanh et al., 2019), for reference in charts. */
export const DISTILBERT_PAPER = {
  sizeReduction: 0.4,
  accuracyRetained: 0.97,
  faster: 0.6,
} as const;

/** One side of the comparison. */
export interface ComparedModel {
  /** Name in the table (default `teacher` / `student`). */
  name?: string;
  /** The `.onnx` file. */
  path: string;
  /** Parameters, when known (shown in the table). */
  parameters?: number;
}

/** Options of {@link compareTeacherStudent}. */
export interface CompareOptions {
  teacher: ComparedModel;
  student: ComparedModel;
  /** Labelled validation batches. */
  batches: readonly LabelledBatch[];
  /** Vocabulary size, for the latency runs' random ids. */
  vocabSize: number;
  /** Latency measurement (`latencyProfile(quick)`). */
  latency?: MeasureOptions;
  session?: SessionOptions;
  progress?: ProgressOption;
}

/** The measured comparison; shows itself as a table in notebooks. */
export class DistillComparison {
  readonly teacher: VariantResult & { parameters?: number };
  readonly student: VariantResult & { parameters?: number };
  /**
   * The evaluations behind the numbers (logits and predictions in dataset order), for flips and
   * margins (`compareVariants`); absent when built from stored results.
   */
  readonly evaluations?: { teacher: EvaluationResult; student: EvaluationResult };

  constructor(
    teacher: VariantResult & { parameters?: number },
    student: VariantResult & { parameters?: number },
    evaluations?: { teacher: EvaluationResult; student: EvaluationResult },
  ) {
    this.teacher = teacher;
    this.student = student;
    if (evaluations) this.evaluations = evaluations;
  }

  /** `1 − size_s / size_t`. */
  get sizeReduction(): number {
    return 1 - this.student.sizeBytes / this.teacher.sizeBytes;
  }

  /** `acc_s / acc_t`. */
  get accuracyRetained(): number {
    return this.student.accuracy / this.teacher.accuracy;
  }

  /** `f1_s / f1_t`. */
  get f1Retained(): number {
    return this.student.f1 / this.teacher.f1;
  }

  /** `latency_t / latency_s − 1` at batch 1 and 8. */
  get faster(): { b1: number; b8: number } {
    const t = this.teacher.latencyMs;
    const s = this.student.latencyMs;
    return { b1: t.b1 / s.b1 - 1, b8: t.b8 / s.b8 - 1 };
  }

  /** The three headline numbers, as DistilBERT's paper states them. */
  headline(): Table {
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    return new Table([
      { metric: "smaller (size on disk)", student: pct(this.sizeReduction), DistilBERT: "40%" },
      { metric: "accuracy retained", student: pct(this.accuracyRetained), DistilBERT: "97%" },
      { metric: "faster, batch 1 × 128", student: pct(this.faster.b1), DistilBERT: "60%" },
      { metric: "faster, batch 8 × 128", student: pct(this.faster.b8), DistilBERT: "60%" },
    ], { title: "Student against teacher" });
  }

  /** One row per model: accuracy, F1, agreement with the teacher, latency, size. */
  table(): Table {
    const row = (m: VariantResult & { parameters?: number }) => ({
      model: m.name,
      parameters: m.parameters,
      "size MB": m.sizeBytes / 1e6,
      accuracy: m.accuracy,
      f1: m.f1,
      "agreement with teacher": m.agreement,
      "latency b1 ms": m.latencyMs.b1,
      "latency b8 ms": m.latencyMs.b8,
    });
    return new Table([row(this.teacher), row(this.student)], {
      title: "Teacher and student on MRPC validation (latency: batch × 128 tokens, median)",
      digits: 3,
    });
  }

  /** Student as a share of the teacher (teacher = 100%), beside DistilBERT's figures. */
  figure(): Figure {
    const x = ["size", "latency b1", "latency b8", "accuracy", "F1"];
    const s = this.student;
    const t = this.teacher;
    const ours = [
      s.sizeBytes / t.sizeBytes,
      s.latencyMs.b1 / t.latencyMs.b1,
      s.latencyMs.b8 / t.latencyMs.b8,
      this.accuracyRetained,
      this.f1Retained,
    ].map((v) => 100 * v);
    const paperTime = 100 / (1 + DISTILBERT_PAPER.faster);
    const paper = [60, paperTime, paperTime, 97, null];
    return new Figure([
      { type: "bar", name: t.name, x, y: x.map(() => 100), marker: { color: "#9aa5b1" } },
      { type: "bar", name: s.name, x, y: ours, text: ours.map((v) => `${v.toFixed(0)}%`) },
      {
        type: "scatter",
        mode: "markers",
        name: "DistilBERT vs BERT (paper)",
        x,
        y: paper,
        marker: { symbol: "line-ew-open", size: 28, line: { width: 3 }, color: "#d62728" },
      },
    ], {
      title: { text: "Student as % of teacher (lower size/latency, higher accuracy is better)" },
      barmode: "group",
      yaxis: { title: { text: "% of teacher" } },
    });
  }

  /** Plain numbers for reports. */
  toJSON(): Record<string, unknown> {
    return {
      teacher: this.teacher,
      student: this.student,
      sizeReduction: this.sizeReduction,
      accuracyRetained: this.accuracyRetained,
      f1Retained: this.f1Retained,
      faster: this.faster,
    };
  }

  /** Rich output for Deno's Jupyter kernel: the headline and the per-model table. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const headline = this.headline();
    const table = this.table();
    return {
      "text/html": `${headline.toHtml()}\n<br>\n${table.toHtml()}`,
      "text/plain": `${headline.toString()}\n\n${table.toString()}`,
    };
  }
}

/**
 * Evaluates teacher and student on `batches` (accuracy, F1, the student's agreement with the
 * teacher) and times both at batch 1 and 8 × 128 tokens.
 *
 * @example
 * ```ts ignore
 * const comparison = await compareTeacherStudent({
 *   teacher: { path: teacher.path }, student: { path: exported.path },
 *   batches: validation.batches, vocabSize: config.vocabSize,
 * });
 * console.log(comparison.accuracyRetained, comparison.faster.b1);
 * ```
 */
export async function compareTeacherStudent(options: CompareOptions): Promise<DistillComparison> {
  const common = {
    batches: options.batches,
    vocabSize: options.vocabSize,
    session: options.session,
    latency: options.latency,
    progress: options.progress,
  };
  const teacher = await evaluateVariant({
    ...common,
    name: options.teacher.name ?? "teacher",
    path: options.teacher.path,
  });
  const student = await evaluateVariant({
    ...common,
    name: options.student.name ?? "student",
    path: options.student.path,
    reference: teacher.evaluation,
  });
  return new DistillComparison(
    { ...teacher.result, parameters: options.teacher.parameters },
    { ...student.result, parameters: options.student.parameters },
    { teacher: teacher.evaluation, student: student.evaluation },
  );
}
