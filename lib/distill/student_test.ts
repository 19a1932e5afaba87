import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDistilBertConfig } from "../model/config.ts";
import { readSafetensors } from "../model/safetensors.ts";
import { mirrorRepoDir, STANDINS } from "../../tests/support/mirror.ts";
import {
  buildStudent,
  ffnUnitNorms,
  narrowFfn,
  selectLayers,
  StudentBuildError,
} from "./student.ts";
import { extendedTest, MIRROR } from "../../tests/support/extended.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
const weights = await readSafetensors(join(dir, "model.safetensors"));
const layer = (i: number) => `distilbert.transformer.layer.${i}.`;

extendedTest("a 2-of-4 student holds teacher layers 0 and 2, renamed 0 and 1", MIRROR, () => {
  const student = buildStudent(config, weights);
  assert.deepEqual(student.layers, [0, 2]);
  assert.equal(student.config.nLayers, 2);
  assert.equal(config.nLayers, 4, "the teacher keeps its config");
  const names = [...student.weights.keys()];
  assert.equal(names.filter((n) => n.startsWith(layer(0))).length, 16);
  assert.equal(names.filter((n) => n.startsWith(layer(1))).length, 16);
  assert.equal(names.some((n) => n.startsWith(layer(2)) || n.startsWith(layer(3))), false);
  for (const [name, tensor] of student.weights) {
    const source = name.startsWith(layer(0))
      ? name
      : name.startsWith(layer(1))
      ? name.replace(layer(1), layer(2))
      : name;
    assert.deepEqual(tensor, weights.get(source), `${name} = teacher ${source}`);
  }
  // Layer 1 of the student is not the teacher's layer 1.
  assert.notDeepEqual(
    student.weights.get(`${layer(1)}attention.q_lin.weight`),
    weights.get(`${layer(1)}attention.q_lin.weight`),
  );
  // A copy: training the student cannot change the teacher's map.
  student.weights.get(`${layer(0)}ffn.lin1.bias`)!.data[0] += 1;
  assert.notEqual(
    student.weights.get(`${layer(0)}ffn.lin1.bias`)!.data[0],
    weights.get(`${layer(0)}ffn.lin1.bias`)!.data[0],
  );
  assert.throws(() => selectLayers(config, weights, [0, 4]), StudentBuildError);
});

extendedTest(
  "a narrower FFN keeps the largest-norm units (or the first k), rows of lin1 and columns of lin2",
  MIRROR,
  () => {
    const k = 256;
    const norm = narrowFfn(config, weights, { hiddenDim: k });
    assert.equal(norm.config.hiddenDim, k);
    for (let i = 0; i < config.nLayers; i++) {
      const lin1 = weights.get(`${layer(i)}ffn.lin1.weight`)!;
      const lin2 = weights.get(`${layer(i)}ffn.lin2.weight`)!;
      const scores = ffnUnitNorms(lin1, lin2, config);
      const kept = norm.ffnUnits![i];
      assert.equal(kept.length, k);
      const keptSet = new Set(kept);
      const minKept = Math.min(...kept.map((u) => scores[u]));
      const maxDropped = Math.max(...scores.filter((_, u) => !keptSet.has(u)));
      assert.ok(minKept >= maxDropped, `layer ${i}: ${minKept} ≥ ${maxDropped}`);
      const u = kept[5];
      const newLin1 = norm.weights.get(`${layer(i)}ffn.lin1.weight`)!;
      const newLin2 = norm.weights.get(`${layer(i)}ffn.lin2.weight`)!;
      assert.deepEqual(newLin1.shape, [k, config.dim]);
      assert.deepEqual(newLin2.shape, [config.dim, k]);
      assert.deepEqual(
        newLin1.data.subarray(5 * config.dim, 6 * config.dim),
        lin1.data.subarray(u * config.dim, (u + 1) * config.dim),
      );
      assert.equal(newLin2.data[3 * k + 5], lin2.data[3 * config.hiddenDim + u]);
      assert.equal(
        norm.weights.get(`${layer(i)}ffn.lin1.bias`)!.data[5],
        weights.get(`${layer(i)}ffn.lin1.bias`)!.data[u],
      );
    }
    const first = buildStudent(config, weights, { hiddenDim: 8, ffnSelect: "first" });
    assert.deepEqual(first.ffnUnits, [[0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 5, 6, 7]]);
    assert.deepEqual(first.layers, [0, 2]);
    assert.deepEqual(
      first.weights.get(`${layer(1)}ffn.lin1.bias`)!.data,
      weights.get(`${layer(2)}ffn.lin1.bias`)!.data.subarray(0, 8),
    );
    assert.throws(() => narrowFfn(config, weights, { hiddenDim: 2048 }), /1…1024/);
  },
);
