import { ExerciseCheck } from "./exercise_check.ts";

/** Exercise 03.2: where the student starts. */
export const STUDENT_INITIALISATION_EXERCISE = "Start the student from the teacher's layers";

/** Options of {@link checkStudentInitialisation}. */
export interface StudentInitialisationOptions {
  /** The teacher's logits on some validation pairs, row-major `[rows, numLabels]`. */
  teacherLogits: ArrayLike<number>;
  /** The untrained student's logits on the same pairs. */
  studentLogits: ArrayLike<number>;
  numLabels: number;
  /** Smallest correlation of the two models' logit margins that passes (default 0.7). */
  threshold?: number;
}

/**
 * Checks that the student *before any training* already follows the teacher: the Pearson
 * correlation, over the pairs, of the teacher's and the student's margin of class 1 over class 0
 * (`z₁ − z₀`; for more classes, the top class's logit minus the mean of the others, both taken
 * for the teacher's class). A student made of the teacher's own layers starts close to it
 * (correlation near 0.9); one from random weights starts from nothing (near 0, either sign) and
 * has to learn everything from a few thousand pairs. Agreement alone would not show it: a random
 * model that always says "paraphrase" agrees with the teacher on most MRPC pairs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStudentInitialisation } from "./student_initialisation.ts";
 * const teacherLogits = [2, -1, -1, 2, 0, 1, 1, 0];
 * const close = [1.5, -0.5, -0.8, 1.9, 0.1, 0.7, 0.9, 0.2];
 * const random = [0.01, 0.02, 0.02, 0.01, 0.015, 0.01, 0.01, 0.02];
 * assert.equal(checkStudentInitialisation({ teacherLogits, studentLogits: close, numLabels: 2 }).passed, true);
 * assert.equal(checkStudentInitialisation({ teacherLogits, studentLogits: random, numLabels: 2 }).passed, false);
 * ```
 */
export function checkStudentInitialisation(options: StudentInitialisationOptions): ExerciseCheck {
  const { numLabels } = options;
  const threshold = options.threshold ?? 0.7;
  const rows = Math.min(options.teacherLogits.length, options.studentLogits.length) / numLabels;
  const teacher: number[] = [];
  const student: number[] = [];
  let agree = 0;
  for (let r = 0; r < rows; r++) {
    const t = Array.from({ length: numLabels }, (_, j) => options.teacherLogits[r * numLabels + j]);
    const s = Array.from({ length: numLabels }, (_, j) => options.studentLogits[r * numLabels + j]);
    const top = numLabels === 2 ? 1 : t.indexOf(Math.max(...t));
    teacher.push(margin(t, top));
    student.push(margin(s, top));
    if (t.indexOf(Math.max(...t)) === s.indexOf(Math.max(...s))) agree++;
  }
  const r = pearson(teacher, student);
  return new ExerciseCheck(
    STUDENT_INITIALISATION_EXERCISE,
    r >= threshold,
    `before training, the student's logit margins correlate with the teacher's at r = ` +
      `${r.toFixed(3)} over ${rows} validation pairs (it predicts the teacher's class on ` +
      `${(100 * agree / rows).toFixed(1)}% of them — a model that always says one class agrees ` +
      `often, so agreement alone proves little).`,
    "a student from random weights must learn everything from a few thousand pairs: start it " +
      "from the teacher's own layers (buildStudent: embeddings, every other layer, the head).",
  );
}

function margin(logits: number[], c: number): number {
  const others = logits.filter((_, j) => j !== c);
  return logits[c] - others.reduce((a, b) => a + b, 0) / others.length;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  if (n < 2) return 0;
  const ma = a.reduce((x, y) => x + y, 0) / n;
  const mb = b.reduce((x, y) => x + y, 0) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}
