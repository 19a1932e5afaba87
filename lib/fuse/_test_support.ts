/**
 * Models the fusion tests share: the hub stand-in's torch export, a reduced random DistilBERT
 * built by the kit, the tiny CNN; and a helper that checks one pass end to end.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultHubMirrorDir } from "../../tests/support/hub_server.ts";
import { buildDistilBert, DISTILBERT_BASE } from "../model/mod.ts";
import { type Model, readModel } from "../onnx/mod.ts";
import { compareModels, type CompareOptions, type CompareResult } from "./check.ts";
import { fuse } from "./pipeline.ts";
import { fusionPass, prerequisites } from "./pass_registry.ts";
import { buildTinyCnn } from "./tiny_cnn.ts";
import type { PassResult } from "./types.ts";

/** The torch export of the stand-in (opset 14, decomposed LayerNorm and GELU, 4 layers). */
export const STANDIN_ONNX = join(
  defaultHubMirrorDir(),
  "standin/distilbert-mini-uncased-mrpc/resolve/main/onnx/model.onnx",
);

let standin: Promise<Model> | undefined;

/** The stand-in's torch export (read once per test file). */
export function standinModel(): Promise<Model> {
  standin ??= readModel(STANDIN_ONNX);
  return standin;
}

/** A random DistilBERT with the full architecture at a reduced size (2 layers, dim 64). */
export const SMALL_CONFIG = {
  ...DISTILBERT_BASE,
  vocabSize: 2000, // syntheticBatch (benchmarks) draws ids from 1000 up
  dim: 64,
  nLayers: 2,
  nHeads: 4,
  hiddenDim: 128,
  maxPositionEmbeddings: 64,
};

/** {@link SMALL_CONFIG} built by the kit, seed 7. */
export function smallDistilBert(): Model {
  return buildDistilBert(SMALL_CONFIG, { seed: 7 });
}

/** The tiny CNN, seed 3. */
export function tinyCnn(batch?: number): Model {
  return buildTinyCnn({ seed: 3, ...(batch ? { batch } : {}) });
}

/**
 * Runs pass `name` on `model` after its prerequisites, asserts its match count, and checks in
 * ONNX Runtime that the graph computes the same outputs (and probes) as before the pass.
 */
export async function checkPass(
  model: Model,
  name: string,
  expectedMatches: number,
  options: CompareOptions = {},
): Promise<{ before: Model; result: PassResult; comparison?: CompareResult }> {
  const before = fuse(model, { passes: prerequisites(name) }).model;
  const result = fusionPass(name).run(before);
  assert.equal(
    result.matches.length,
    expectedMatches,
    `${name}: ${result.matches.length} matches, expected ${expectedMatches}`,
  );
  assert.deepEqual(
    result.model.graph.outputs.map((o) => o.name),
    model.graph.outputs.map((o) => o.name),
  );
  assert.deepEqual(
    result.model.graph.inputs.map((o) => o.name),
    model.graph.inputs.map((o) => o.name),
  );
  if (expectedMatches === 0) return { before, result };
  assert.ok(
    result.model.graph.nodes.length < before.graph.nodes.length || name === "reshape-simplify",
  );
  const comparison = await compareModels(before, result.model, { seq: 12, ...options });
  const bad = comparison.values.filter((v) => v.mismatches > 0).map((v) =>
    `${v.name}: ${v.maxAbsDiff}`
  );
  assert.ok(comparison.ok, `${name} changed outputs: ${bad.join(", ")}`);
  assert.ok(comparison.values.length >= 2, "compared the outputs and at least one probe");
  return { before, result, comparison };
}
