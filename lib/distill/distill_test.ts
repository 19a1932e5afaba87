import assert from "node:assert/strict";
import { join } from "node:path";
import { prepareMrpc } from "../data/prepare.ts";
import { parseDistilBertConfig } from "../model/config.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { TfDistilBert, train, type TrainOptions } from "../train/mod.ts";
import { mirrorRepoDir, mrpcTsvDir, STANDINS } from "../../tests/support/mirror.ts";
import { distill } from "./distill.ts";
import { exportParity, exportStudent } from "./export_student.ts";
import { softmaxWithTemperature } from "./kd_loss.ts";
import { buildStudent } from "./student.ts";
import { teacherLogits } from "./teacher_logits.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
const weights = await readSafetensors(join(dir, "model.safetensors"));
const common = { modelId: STANDINS.mini, tokenizerDir: dir, dir: mrpcTsvDir(), progress: false };
const cacheDir = await Deno.makeTempDir();
const modelPath = join(dir, "onnx", "model.onnx");

async function teacherOn(split: "train" | "validation", limit: number) {
  const data = await prepareMrpc(split, { ...common, limit, batchSize: 16, maxLength: 64 });
  const teacher = await teacherLogits({
    modelPath,
    modelId: STANDINS.mini,
    split,
    encoded: data.encoded,
    maxLength: 64,
    cacheDir,
    progress: false,
  });
  return { data, teacher };
}

/** Mean KL(teacher ‖ student) at T = 1 over the rows. */
function klToTeacher(student: Float32Array, teacher: Float32Array): number {
  let sum = 0;
  for (let r = 0; r < teacher.length / 2; r++) {
    const p = softmaxWithTemperature(teacher.subarray(2 * r, 2 * r + 2));
    const q = softmaxWithTemperature(student.subarray(2 * r, 2 * r + 2));
    sum += p[0] * Math.log(p[0] / q[0]) + p[1] * Math.log(p[1] / q[1]);
  }
  return sum / (teacher.length / 2);
}

extendedTest(
  "a quick KD run: the KD loss falls, the student ends closer to the teacher than a CE-only student, and its ONNX export reproduces it",
  MIRROR,
  async () => {
    const { data, teacher } = await teacherOn("train", 48);
    const validation = await teacherOn("validation", 32);
    const student = buildStudent(config, weights); // layers 0 and 2 of 4
    const loop: TrainOptions = {
      seed: 3,
      epochs: 3,
      batchSize: 8,
      learningRate: 2e-4,
      warmupSteps: 2,
      progress: false,
      log: false,
      handleSigint: false,
    };
    const examples = { encoded: data.encoded, labels: data.rows.map((r) => r.label) };

    // The word embeddings (7.8M of the student's 9.6M weights) stay fixed to keep the test short.
    const options = { trainable: (name: string) => !name.includes("word_embeddings") };
    const kd = await TfDistilBert.fromWeights(student.config, student.weights, options);
    const before = klToTeacher(predictAll(kd, validation.data.batches), validation.teacher.logits);
    const result = await distill(kd, examples, {
      teacherLogits: teacher.logits,
      temperature: 2,
      alpha: 0.9,
      train: loop,
    });
    assert.equal(result.steps, 18); // 3 epochs × 48 / 8
    const losses = result.history.map((r) => r.loss);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstQuarter = mean(losses.slice(0, 4));
    const lastQuarter = mean(losses.slice(-4));
    assert.ok(lastQuarter < 0.7 * firstQuarter, `KD loss ${firstQuarter} → ${lastQuarter}`);

    const ce = await TfDistilBert.fromWeights(student.config, student.weights, options);
    await train(ce, examples, loop);
    const kdLogits = predictAll(kd, validation.data.batches);
    const kdKl = klToTeacher(kdLogits, validation.teacher.logits);
    const ceKl = klToTeacher(predictAll(ce, validation.data.batches), validation.teacher.logits);
    console.log(
      `KL(teacher ‖ student) on 32 validation rows: init ${before.toFixed(4)}, ` +
        `KD ${kdKl.toFixed(4)}, CE only ${ceKl.toFixed(4)}; KD loss ${firstQuarter.toFixed(4)} → ` +
        `${lastQuarter.toFixed(4)}`,
    );
    assert.ok(kdKl < before, `KD moves the student towards the teacher: ${before} → ${kdKl}`);
    assert.ok(kdKl < 0.5 * ceKl, `KD student ${kdKl} vs CE-only student ${ceKl}`);

    // Export: ONNX Runtime reproduces the tfjs student's logits.
    const out = await Deno.makeTempDir();
    const exported = await exportStudent(kd, join(out, "student", "model.onnx"));
    assert.equal(exported.config.nLayers, 2);
    const savedConfig = parseDistilBertConfig(await Deno.readTextFile(exported.configPath));
    assert.equal(savedConfig.nLayers, 2);
    const parity = await exportParity(kd, exported.path, validation.data.batches, {
      intraOpThreads: 1,
    });
    assert.equal(parity.rows, 32);
    assert.ok(parity.maxAbsError < 1e-4, `max |tfjs − ORT| = ${parity.maxAbsError}`);
    kd.dispose();
    ce.dispose();
  },
);

function predictAll(
  model: TfDistilBert,
  batches: readonly {
    indices: number[];
    size: number;
    seqLen: number;
    inputIds: BigInt64Array;
    attentionMask: BigInt64Array;
  }[],
): Float32Array {
  const rows = batches.reduce((n, b) => n + b.size, 0);
  const out = new Float32Array(rows * 2);
  for (const batch of batches) {
    const logits = model.predict(batch);
    batch.indices.forEach((row, r) => out.set(logits.subarray(2 * r, 2 * r + 2), 2 * row));
  }
  return out;
}
