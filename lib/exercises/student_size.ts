import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 03.3: how much smaller half the layers make the model. */
export const STUDENT_SIZE_EXERCISE = "Predict the student's size";

/** Options of {@link checkStudentSize}. */
export interface StudentSizeOptions {
  /** Your estimate of student size / teacher size. */
  expected: number;
  /** The teacher's `.onnx` size in bytes. */
  teacherBytes: number;
  /** The student's `.onnx` size in bytes. */
  studentBytes: number;
  /** Largest accepted |expected − measured| (default 0.03). */
  tolerance?: number;
}

/**
 * Checks an estimate of the student's size as a share of the teacher's against the measured file
 * sizes. Half the layers do not make half the model: the word embeddings (vocabulary × hidden
 * size: 23 M of DistilBERT's 66 M parameters) and the classifier are kept whole, so the estimate
 * has to count parameters, not layers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStudentSize } from "./student_size.ts";
 * const sizes = { teacherBytes: 267_800_000, studentBytes: 182_700_000 };
 * assert.equal(checkStudentSize({ expected: 0.5, ...sizes }).passed, false);
 * assert.equal(checkStudentSize({ expected: 0.68, ...sizes }).passed, true);
 * ```
 */
export function checkStudentSize(options: StudentSizeOptions): ExerciseCheck {
  const tolerance = options.tolerance ?? 0.03;
  const measured = options.studentBytes / options.teacherBytes;
  const off = options.expected - measured;
  return new ExerciseCheck(
    STUDENT_SIZE_EXERCISE,
    Math.abs(off) <= tolerance,
    `you expected ${(100 * options.expected).toFixed(1)}% of the teacher's size; the files ` +
      `measure ${(options.studentBytes / 1e6).toFixed(1)} MB against ` +
      `${(options.teacherBytes / 1e6).toFixed(1)} MB = ${(100 * measured).toFixed(1)}% ` +
      `(off by ${(100 * off).toFixed(1)} points; ±${(100 * tolerance).toFixed(0)} accepted).`,
    "count parameters, not layers: the word embeddings (vocabulary × hidden size) and the " +
      "classifier are kept whole — divide the student's parameter count by the teacher's " +
      "(FP32: 4 bytes each, whatever the part).",
  );
}
