/**
 * The checker on the workshop's stand-in (or, without the mirror, the fixture hub's tiny model):
 * a student made of the teacher's layers follows it before any training, one from random
 * weights does not, on the model's reference MRPC pairs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildStudent } from "../distill/mod.ts";
import { encodeModel } from "../onnx/mod.ts";
import {
  buildDistilBertGraph,
  parseDistilBertConfig,
  randomDistilBertWeights,
  readSafetensors,
  type WeightMap,
} from "../model/mod.ts";
import type { DistilBertConfig } from "../model/mod.ts";
import { batchFeeds, createSession } from "../runtime/mod.ts";
import { mirrorRepoDir, pairBatch, referencePairs, STANDINS } from "../../tests/support/mirror.ts";
import { checkStudentInitialisation } from "./mod.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
const weights = await readSafetensors(join(dir, "model.safetensors"));
const pairs = await referencePairs(STANDINS.mini);

async function logitsOf(c: DistilBertConfig, w: WeightMap): Promise<number[]> {
  const model = await createSession(encodeModel(buildDistilBertGraph(c, w)));
  try {
    const logits: number[] = [];
    for (const pair of pairs) {
      const out = await model.session.run(
        batchFeeds({ batch: pairBatch(pair), inputNames: model.inputNames }),
      );
      logits.push(...(out[model.outputNames[0]].data as Float32Array));
    }
    return logits;
  } finally {
    await model.session.release();
  }
}

Deno.test("03: a student from random weights is not fixed, one from the teacher's layers is", async () => {
  const teacherLogits = await logitsOf(config, weights);
  // The kit's teacher reproduces the pairs' stored logits (PyTorch or ONNX Runtime).
  assert.ok(Math.abs(teacherLogits[0] - pairs[0].logits[0]) < 1e-3);
  const student = buildStudent(config, weights);
  const numLabels = 2;
  const fromTeacher = checkStudentInitialisation({
    teacherLogits,
    studentLogits: await logitsOf(student.config, student.weights),
    numLabels,
  });
  assert.equal(fromTeacher.passed, true, fromTeacher.message);
  for (const seed of [0, 1, 2]) {
    const random = checkStudentInitialisation({
      teacherLogits,
      studentLogits: await logitsOf(
        student.config,
        randomDistilBertWeights(student.config, { seed }),
      ),
      numLabels,
    });
    assert.equal(random.passed, false, `seed ${seed}: ${random.message}`);
  }
});
