/**
 * Pruning masks, shared by the training engine's pruning (`extension.ts`) and the ONNX side
 * (masks applied to a graph's weights, structured removal): a {@link MaskSet} holds one 0/1 mask
 * per weight, keyed by the PyTorch state-dict name, in the weight's own `[out, in]` layout; a
 * {@link StructuredPlan} says which FFN units and attention heads each transformer layer keeps.
 *
 * @module
 */
import type { DistilBertConfig } from "../model/config.ts";

/**
 * 0/1 masks by PyTorch state-dict weight name (e.g. "distilbert.transformer.layer.0.ffn.lin1.weight"),
 * each the weight's own shape in PyTorch's [out, in] layout, row-major. 1 keeps, 0 prunes.
 */
export type MaskSet = Map<string, { shape: number[]; mask: Uint8Array }>;

/** What structured pruning keeps, per transformer layer (indices in ascending order). */
export interface StructuredPlan {
  layers: Array<
    {
      /** FFN units (rows of ffn.lin1, columns of ffn.lin2) kept. */
      ffnKeep: number[];
      /** Attention heads kept (each head = dim/n_heads rows of q/k/v_lin and columns of out_lin). */
      headsKeep: number[];
    } | null
  >; // null: the whole layer is removed (depth pruning)
}

/** Zero fraction of a {@link MaskSet}, in total and per weight. */
export interface MaskSparsity {
  /** Pruned entries over all entries of every mask (0 for an empty set). */
  sparsity: number;
  /** Pruned entries. */
  zeros: number;
  /** All entries. */
  total: number;
  /** Zero fraction of each mask, by weight name. */
  byWeight: Map<string, number>;
}

/** A plan or mask set does not fit the model or is not made of whole groups; the message says why. */
export class StructuredPlanError extends Error {
  override name = "StructuredPlanError";
}

/**
 * The zero fraction of `masks`, overall and per weight.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskSparsity } from "./mask.ts";
 * const s = maskSparsity(new Map([
 *   ["a.weight", { shape: [2, 2], mask: Uint8Array.of(1, 0, 0, 0) }],
 *   ["b.weight", { shape: [4], mask: Uint8Array.of(1, 1, 1, 1) }],
 * ]));
 * assert.equal(s.sparsity, 3 / 8);
 * assert.equal(s.byWeight.get("a.weight"), 0.75);
 * ```
 */
export function maskSparsity(masks: MaskSet): MaskSparsity {
  let zeros = 0;
  let total = 0;
  const byWeight = new Map<string, number>();
  for (const [name, { mask }] of masks) {
    let z = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] === 0) z++;
    byWeight.set(name, mask.length ? z / mask.length : 0);
    zeros += z;
    total += mask.length;
  }
  return { sparsity: total ? zeros / total : 0, zeros, total, byWeight };
}

const LAYER = "distilbert.transformer.layer.";
const QKV = ["q_lin", "k_lin", "v_lin"] as const;

/** Names of the weights a structured plan touches in layer `i`. */
function layerNames(i: number) {
  const p = `${LAYER}${i}`;
  return {
    lin1: `${p}.ffn.lin1.weight`,
    lin1Bias: `${p}.ffn.lin1.bias`,
    lin2: `${p}.ffn.lin2.weight`,
    qkv: QKV.map((l) => `${p}.attention.${l}.weight`),
    qkvBias: QKV.map((l) => `${p}.attention.${l}.bias`),
    out: `${p}.attention.out_lin.weight`,
  };
}

function checkIndices(what: string, keep: readonly number[], count: number, layer: number) {
  for (let k = 0; k < keep.length; k++) {
    const x = keep[k];
    if (!Number.isInteger(x) || x < 0 || x >= count || (k > 0 && x <= keep[k - 1])) {
      throw new StructuredPlanError(
        `layer ${layer}: ${what} to keep must be distinct integers in [0, ${count}) in ascending ` +
          `order, got ${JSON.stringify(keep)}; fix the plan.`,
      );
    }
  }
}

/**
 * The masks that zero what `plan` removes: a dropped FFN unit j is row j of `ffn.lin1.weight`,
 * entry j of `ffn.lin1.bias` and column j of `ffn.lin2.weight`; a dropped head h is rows
 * `[h·d, (h+1)·d)` (d = dim / nHeads) of `q_lin`, `k_lin`, `v_lin` (weights and biases) and the
 * same columns of `out_lin.weight`. Throws {@link StructuredPlanError} for a plan that does not
 * fit `config`, and for a removed layer (`null`): depth pruning has no mask equivalent, since the
 * layer's residuals and LayerNorms stay.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/config.ts";
 * import { maskSparsity, structuredPlanToMasks } from "./mask.ts";
 * const config = { ...DISTILBERT_BASE, dim: 4, nLayers: 1, nHeads: 2, hiddenDim: 6 };
 * const masks = structuredPlanToMasks(config, { layers: [{ ffnKeep: [0, 2, 4], headsKeep: [1] }] });
 * const lin1 = masks.get("distilbert.transformer.layer.0.ffn.lin1.weight")!;
 * assert.deepEqual(lin1.shape, [6, 4]);
 * assert.deepEqual([...lin1.mask.slice(0, 8)], [1, 1, 1, 1, 0, 0, 0, 0]);
 * assert.deepEqual([...masks.get("distilbert.transformer.layer.0.attention.q_lin.bias")!.mask], [0, 0, 1, 1]);
 * assert.equal(maskSparsity(masks).byWeight.get("distilbert.transformer.layer.0.ffn.lin2.weight"), 0.5);
 * ```
 */
export function structuredPlanToMasks(config: DistilBertConfig, plan: StructuredPlan): MaskSet {
  const { dim, nHeads, hiddenDim } = config;
  if (plan.layers.length !== config.nLayers) {
    throw new StructuredPlanError(
      `the plan has ${plan.layers.length} layers but the model has ${config.nLayers}; give one ` +
        "entry per transformer layer.",
    );
  }
  const headDim = dim / nHeads;
  const masks: MaskSet = new Map();
  plan.layers.forEach((layer, i) => {
    if (layer === null) {
      throw new StructuredPlanError(
        `layer ${i} is removed (null): depth pruning has no mask equivalent (its residuals and ` +
          "LayerNorms stay); remove layers with the structured rewrite, or keep the layer here.",
      );
    }
    checkIndices("FFN units", layer.ffnKeep, hiddenDim, i);
    checkIndices("heads", layer.headsKeep, nHeads, i);
    const n = layerNames(i);
    const unit = new Uint8Array(hiddenDim);
    for (const j of layer.ffnKeep) unit[j] = 1;
    const lin1 = new Uint8Array(hiddenDim * dim);
    const lin2 = new Uint8Array(dim * hiddenDim);
    for (let j = 0; j < hiddenDim; j++) {
      if (!unit[j]) continue;
      lin1.fill(1, j * dim, (j + 1) * dim);
      for (let r = 0; r < dim; r++) lin2[r * hiddenDim + j] = 1;
    }
    masks.set(n.lin1, { shape: [hiddenDim, dim], mask: lin1 });
    masks.set(n.lin1Bias, { shape: [hiddenDim], mask: unit });
    masks.set(n.lin2, { shape: [dim, hiddenDim], mask: lin2 });
    const channel = new Uint8Array(dim);
    for (const h of layer.headsKeep) channel.fill(1, h * headDim, (h + 1) * headDim);
    const rows = new Uint8Array(dim * dim);
    const cols = new Uint8Array(dim * dim);
    for (let c = 0; c < dim; c++) {
      if (!channel[c]) continue;
      rows.fill(1, c * dim, (c + 1) * dim);
      for (let r = 0; r < dim; r++) cols[r * dim + c] = 1;
    }
    for (const name of n.qkv) masks.set(name, { shape: [dim, dim], mask: rows.slice() });
    for (const name of n.qkvBias) masks.set(name, { shape: [dim], mask: channel.slice() });
    masks.set(n.out, { shape: [dim, dim], mask: cols });
  });
  return masks;
}

/** Whether every entry of the group is kept (true), pruned (false); throws when mixed. */
function groupKept(
  masks: MaskSet,
  name: string,
  indices: (visit: (index: number) => void) => void,
  what: string,
): boolean | undefined {
  const entry = masks.get(name);
  if (!entry) return undefined;
  let ones = 0;
  let count = 0;
  indices((index) => {
    count++;
    ones += entry.mask[index];
  });
  if (ones !== 0 && ones !== count) {
    throw new StructuredPlanError(
      `the mask of ${name} keeps ${ones} of the ${count} entries of ${what}: not whole groups, so ` +
        "there is no structured plan; prune with the ffn or head pattern (whole units and heads).",
    );
  }
  return ones === count;
}

/**
 * The inverse of {@link structuredPlanToMasks}: which FFN units and heads the masks keep in each
 * layer (a weight without a mask keeps everything). Throws {@link StructuredPlanError} when a
 * unit or head is partly masked, or its weights disagree.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DISTILBERT_BASE } from "../model/config.ts";
 * import { masksToStructuredPlan, structuredPlanToMasks } from "./mask.ts";
 * const config = { ...DISTILBERT_BASE, dim: 4, nLayers: 2, nHeads: 2, hiddenDim: 6 };
 * const plan = { layers: [{ ffnKeep: [1, 5], headsKeep: [0] }, { ffnKeep: [0, 1, 2, 3, 4, 5], headsKeep: [0, 1] }] };
 * assert.deepEqual(masksToStructuredPlan(config, structuredPlanToMasks(config, plan)), plan);
 * ```
 */
export function masksToStructuredPlan(config: DistilBertConfig, masks: MaskSet): StructuredPlan {
  const { dim, nHeads, hiddenDim } = config;
  const headDim = dim / nHeads;
  const layers: StructuredPlan["layers"] = [];
  for (let i = 0; i < config.nLayers; i++) {
    const n = layerNames(i);
    const decide = (what: string, parts: (boolean | undefined)[]) => {
      const known = parts.filter((p) => p !== undefined);
      if (known.some((p) => p !== known[0])) {
        throw new StructuredPlanError(
          `layer ${i}: the masks disagree on ${what} (kept in some of its weights, pruned in ` +
            "others); mask whole units and heads (ffn or head pattern).",
        );
      }
      return known[0] ?? true;
    };
    const ffnKeep: number[] = [];
    for (let j = 0; j < hiddenDim; j++) {
      const what = `FFN unit ${j}`;
      const kept = decide(what, [
        groupKept(masks, n.lin1, (v) => {
          for (let c = 0; c < dim; c++) v(j * dim + c);
        }, what),
        groupKept(masks, n.lin1Bias, (v) => v(j), what),
        groupKept(masks, n.lin2, (v) => {
          for (let r = 0; r < dim; r++) v(r * hiddenDim + j);
        }, what),
      ]);
      if (kept) ffnKeep.push(j);
    }
    const headsKeep: number[] = [];
    for (let h = 0; h < nHeads; h++) {
      const what = `head ${h}`;
      const rows = (v: (index: number) => void) => {
        for (let r = h * headDim; r < (h + 1) * headDim; r++) {
          for (let c = 0; c < dim; c++) v(r * dim + c);
        }
      };
      const entries = (v: (index: number) => void) => {
        for (let r = h * headDim; r < (h + 1) * headDim; r++) v(r);
      };
      const kept = decide(what, [
        ...n.qkv.map((name) => groupKept(masks, name, rows, what)),
        ...n.qkvBias.map((name) => groupKept(masks, name, entries, what)),
        groupKept(masks, n.out, (v) => {
          for (let r = 0; r < dim; r++) {
            for (let c = h * headDim; c < (h + 1) * headDim; c++) v(r * dim + c);
          }
        }, what),
      ]);
      if (kept) headsKeep.push(h);
    }
    layers.push({ ffnKeep, headsKeep });
  }
  return { layers };
}
