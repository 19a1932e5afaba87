/**
 * The distillation workflow of notebook 03 as one step: the teacher's logits on the training
 * rows (ONNX Runtime, cached), a student built from every other teacher layer, trained on the
 * soft labels with the training engine, and exported to ONNX.
 *
 * @module
 */
import type { HubSettings } from "../hub/mod.ts";
import { buildDistilBertGraph } from "../model/mod.ts";
import type { Model } from "../onnx/mod.ts";
import type { ProgressOption } from "../progress/mod.ts";
import { TfDistilBert, type TrainingData, type TrainResult } from "../train/mod.ts";
import { distill } from "./distill.ts";
import type { KdSettings } from "./kd_loss.ts";
import { buildStudent, type BuildStudentOptions, type StudentModel } from "./student.ts";
import { teacherLogits } from "./teacher_logits.ts";

/** Options of {@link distillStudent}. */
export interface DistillStudentOptions extends KdSettings {
  /** The teacher's `.onnx` file (`loadClassifier(modelId).path`): its soft labels. */
  teacherPath: string;
  /** Which teacher layers the student keeps, and its FFN width (default every other layer). */
  student?: BuildStudentOptions;
  /** Seed of the training run: batch order and dropout (default 0). */
  seed?: number;
  /** Hub settings whose cache holds the teacher's logits. */
  settings?: HubSettings;
  /** `false`: neither read nor write the teacher-logit cache (default true). */
  cache?: boolean;
  progress?: ProgressOption;
}

/** What {@link distillStudent} produced. */
export interface DistilledStudent {
  /** The student as built from the teacher (config, kept layers, initial weights). */
  student: StudentModel;
  /** The trained student as an ONNX model. */
  model: Model;
  training: TrainResult;
}

/**
 * Distils `data`'s model (the teacher, run from `teacherPath`) into a student of every other
 * layer, trained with `data.profile` on `data.train` (evaluated on `data.validation`), and
 * returns the trained student as ONNX.
 *
 * @example
 * ```ts ignore
 * const data = await prepareTrainingData({ modelId, profile: trainProfile("quick"), calibrationSamples: 8 });
 * const { model, training } = await distillStudent(data, { teacherPath: (await loadClassifier(modelId)).path });
 * console.log(training.steps, model.graph.nodes.length);
 * ```
 */
export async function distillStudent(
  data: TrainingData,
  options: DistillStudentOptions,
): Promise<DistilledStudent> {
  const teacher = await teacherLogits({
    modelPath: options.teacherPath,
    modelId: data.modelId,
    revision: data.revision,
    split: "train",
    encoded: data.train.encoded,
    padTokenId: data.train.padTokenId,
    settings: options.settings,
    cache: options.cache,
    progress: false,
  });
  const student = buildStudent(data.config, data.weights, options.student);
  const model = await TfDistilBert.fromWeights(student.config, student.weights);
  try {
    const training = await distill(model, { ...data.train, validation: data.validation }, {
      teacherLogits: teacher.logits,
      temperature: options.temperature,
      alpha: options.alpha,
      train: {
        profile: data.profile,
        seed: options.seed ?? 0,
        progress: options.progress,
        log: false,
      },
    });
    const onnx = buildDistilBertGraph(model.config, model.toWeightMap(), { name: "student" });
    return { student, model: onnx, training };
  } finally {
    model.dispose();
  }
}
