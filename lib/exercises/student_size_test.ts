/**
 * The checker on the workshop's stand-in (or the fixture hub's tiny model) and the student the
 * kit builds from it: "half the layers, half the size" is not fixed; the parameter ratio is.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildStudent } from "../distill/mod.ts";
import { buildDistilBertGraph, parseDistilBertConfig, readSafetensors } from "../model/mod.ts";
import { encodeModel } from "../onnx/mod.ts";
import { mirrorRepoDir, STANDINS } from "../../tests/support/mirror.ts";
import { checkStudentSize } from "./mod.ts";

Deno.test("03: 'half the layers, half the size' is not fixed, the parameter ratio is", async () => {
  const dir = mirrorRepoDir(STANDINS.mini);
  const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
  const weights = await readSafetensors(join(dir, "model.safetensors"));
  const student = buildStudent(config, weights);
  const bytes = (c: typeof config, w: typeof weights) =>
    encodeModel(buildDistilBertGraph(c, w)).byteLength;
  const sizes = {
    teacherBytes: bytes(config, weights),
    studentBytes: bytes(student.config, student.weights),
  };
  const count = (w: typeof weights) => [...w.values()].reduce((n, t) => n + t.data.length, 0);
  const naive = checkStudentSize({ expected: student.config.nLayers / config.nLayers, ...sizes });
  assert.equal(naive.passed, false, naive.message);
  const counted = checkStudentSize({
    expected: count(student.weights) / count(weights),
    ...sizes,
  });
  assert.equal(counted.passed, true, counted.message);
});
