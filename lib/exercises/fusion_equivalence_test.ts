/**
 * The checker on the workshop's stand-in (or the fixture hub's tiny model): the exact GELUs the
 * `gelu` pass fused, written as `FastGelu` (tanh) instead, change the outputs; as `Gelu` they do
 * not.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compareModels, fusionPass } from "../fuse/mod.ts";
import { buildDistilBertGraph, parseDistilBertConfig, readSafetensors } from "../model/mod.ts";
import type { Model } from "../onnx/mod.ts";
import { mirrorRepoDir, STANDINS } from "../../tests/support/mirror.ts";
import { checkFusionEquivalence } from "./mod.ts";

const dir = mirrorRepoDir(STANDINS.mini);
const config = parseDistilBertConfig(await Deno.readTextFile(join(dir, "config.json")));
const exported = buildDistilBertGraph(
  config,
  await readSafetensors(join(dir, "model.safetensors")),
);

function withGelu(model: Model, opType: string): Model {
  const nodes = model.graph.nodes.map((n) =>
    n.opType === "Gelu" && n.domain === "com.microsoft" ? { ...n, opType } : n
  );
  return { ...model, graph: { ...model.graph, nodes } };
}

Deno.test("04: FastGelu for the exact GELU is not fixed, Gelu is", async () => {
  const fused = fusionPass("gelu").run(exported);
  assert.equal(fused.matches.length, config.nLayers);
  const approximate = await compareModels(exported, withGelu(fused.model, "FastGelu"));
  const approximateCheck = checkFusionEquivalence(approximate);
  assert.equal(approximateCheck.passed, false, approximateCheck.message);
  assert.ok(approximate.maxAbsDiff > 1e-4, `FastGelu moves values by ${approximate.maxAbsDiff}`);
  const exact = checkFusionEquivalence(
    await compareModels(exported, withGelu(fused.model, "Gelu")),
  );
  assert.equal(exact.passed, true, exact.message);
});
