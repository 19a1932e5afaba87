/**
 * Quantization sites: the activations QAT observes and fake-quantizes, named after the tfjs
 * forward pass's hook calls, and their tensors in the ONNX graph `buildDistilBertGraph` writes —
 * the bridge that lets the ranges learned in tfjs become the scales of the exported model.
 *
 * - The input of a Linear is the site named by the Linear's state-dict prefix
 *   (`distilbert.transformer.layer.0.ffn.lin1`). In ONNX it is input 0 of the `MatMul` whose
 *   weight initializer is `<prefix>.weight`. q/k/v read the same tensor, so their sites share it.
 * - The inputs of an attention product are `<call>.a` and `<call>.b`, e.g.
 *   `distilbert.transformer.layer.0.attention.scores.a` (the scaled queries) and `….scores.b`
 *   (the transposed keys); `….context.a` (the probabilities) and `….context.b` (the values).
 *
 * @module
 */
import { getAttribute, GraphIndex, linearAt, type Model, type Node } from "../onnx/mod.ts";

/**
 * The site of input `which` of the attention product named `call`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matMulSite } from "./sites.ts";
 * assert.equal(matMulSite("distilbert.transformer.layer.0.attention.scores", "b"), "distilbert.transformer.layer.0.attention.scores.b");
 * ```
 */
export function matMulSite(call: string, which: "a" | "b"): string {
  return `${call}.${which}`;
}

/** Where the sites of a DistilBERT graph are. */
export interface GraphSites {
  /** Site → ONNX tensor name (several sites may share a tensor). */
  tensors: Map<string, string>;
  /** Linear (state-dict prefix) → its `MatMul` node name. */
  linearNodes: Map<string, string>;
}

/** The graph is not one `buildDistilBertGraph` wrote; the message names what is missing. */
export class QatSiteError extends Error {
  override name = "QatSiteError";
}

/**
 * Finds every site in a model built by `buildDistilBertGraph`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { graphSites } from "./sites.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const { tensors, linearNodes } = graphSites(buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 1 })));
 * const p = "distilbert.transformer.layer.0.attention";
 * assert.equal(tensors.get(`${p}.q_lin`), tensors.get(`${p}.v_lin`));
 * assert.equal(linearNodes.get("classifier"), "/classifier/MatMul");
 * assert.ok(tensors.has(`${p}.context.a`));
 * assert.equal(tensors.size, 6 + 2 + 4);
 * ```
 */
export function graphSites(model: Model): GraphSites {
  const index = new GraphIndex(model.graph);
  const tensors = new Map<string, string>();
  const linearNodes = new Map<string, string>();
  for (const node of model.graph.nodes) {
    if (node.opType !== "MatMul" || node.domain !== "") continue;
    const [a, b] = node.inputs;
    const linear = linearAt(node, { index, bias: false })?.name;
    if (linear) {
      tensors.set(linear, a);
      linearNodes.set(linear, node.name);
      continue;
    }
    if (index.constant(a) || index.constant(b)) continue;
    const call = attentionCall(node, index);
    tensors.set(matMulSite(call, "a"), a);
    tensors.set(matMulSite(call, "b"), b);
  }
  if (linearNodes.size === 0) {
    throw new QatSiteError(
      `graph "${model.graph.name}" has no MatMul with a "<name>.weight" initializer; QAT ` +
        "exports models built by buildDistilBertGraph.",
    );
  }
  return { tensors, linearNodes };
}

/** `distilbert.transformer.layer.<i>.attention.scores|context` of an activation product. */
function attentionCall(node: Node, index: GraphIndex): string {
  const layer = /\/layer\.(\d+)\/attention\//.exec(node.name);
  const producer = index.producer(node.inputs[0]);
  const kind = producer?.opType === "Softmax"
    ? "context"
    : producer?.opType === "Div"
    ? "scores"
    : undefined;
  if (!layer || !kind) {
    throw new QatSiteError(
      `MatMul "${node.name}" multiplies two activations but is not an attention product of ` +
        "buildDistilBertGraph (scores after Div, context after Softmax, in layer.<i>/attention).",
    );
  }
  return `distilbert.transformer.layer.${layer[1]}.attention.${kind}`;
}

/**
 * The embedding lookups of a model built by `buildDistilBertGraph`: table (state-dict prefix, as
 * the engine's `embedding` hook names it) → its `Gather` node, for every `Gather` on axis 0 of an
 * initializer `<prefix>.weight`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildDistilBertGraph, DISTILBERT_BASE, randomDistilBertWeights } from "../model/mod.ts";
 * import { embeddingNodes } from "./sites.ts";
 * const config = { ...DISTILBERT_BASE, vocabSize: 20, dim: 8, nLayers: 1, nHeads: 2, hiddenDim: 16, maxPositionEmbeddings: 8 };
 * const nodes = embeddingNodes(buildDistilBertGraph(config, randomDistilBertWeights(config, { seed: 1 })));
 * assert.deepEqual([...nodes.keys()], [
 *   "distilbert.embeddings.word_embeddings",
 *   "distilbert.embeddings.position_embeddings",
 * ]);
 * ```
 */
export function embeddingNodes(model: Model): Map<string, string> {
  const index = new GraphIndex(model.graph);
  const out = new Map<string, string>();
  for (const node of model.graph.nodes) {
    if (node.opType !== "Gather" || node.domain !== "") continue;
    const table = node.inputs[0];
    if (getAttribute(node, "axis", "int", 0) !== 0) continue;
    if (index.initializer(table) && table.endsWith(".weight")) {
      out.set(table.slice(0, -".weight".length), node.name);
    }
  }
  return out;
}
