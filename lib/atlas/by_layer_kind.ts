/**
 * An error atlas summed up by kind of layer (`attention/q_lin`, `ffn/lin2`, `sa_layer_norm`, …):
 * the mean SQNR of each kind over the blocks, for one or more variants side by side.
 *
 * @module
 */
import type { AtlasEntry, ErrorAtlas } from "./error_atlas.ts";

/**
 * The kind of layer an atlas label names, without its block: `distilbert.transformer.layer.2.ffn.lin2`
 * → `ffn/lin2`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layerKind } from "./by_layer_kind.ts";
 * assert.equal(layerKind("distilbert.transformer.layer.2.ffn.lin2"), "ffn/lin2");
 * assert.equal(layerKind("/distilbert/transformer/layer.0/attention/q_lin"), "attention/q_lin");
 * ```
 */
export function layerKind(label: string): string {
  return label.replace(/^.*layer\.\d+[./]/, "").replace(/^distilbert[./]/, "").replaceAll(".", "/");
}

/** One kind of layer: how many blocks have it, and per variant its mean SQNRs (dB). */
export type LayerKindRow =
  & { layer: string; count: number }
  & Record<string, number | string | undefined>;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Mean local and propagated SQNR (and weight SQNR, where the variant's layers have one) by kind
 * of layer, for each named atlas: columns `<name> local`, `<name> propagated`, `<name> weight`;
 * rows sorted by the local SQNR of `sortBy` (default the last atlas), worst first.
 *
 * @example
 * ```ts ignore
 * new Table(sqnrByLayerKind({ fp16: atlas16, bf16: atlasBf }), { digits: 1 });
 * ```
 */
export function sqnrByLayerKind(
  atlases: Record<string, ErrorAtlas>,
  options: { sortBy?: string } = {},
): LayerKindRow[] {
  const names = Object.keys(atlases);
  const sortBy = options.sortBy ?? names.at(-1)!;
  const groups = new Map<string, Map<string, AtlasEntry[]>>();
  for (const name of names) {
    for (const e of atlases[name].entries) {
      const kind = layerKind(e.label);
      const group = groups.get(kind) ?? new Map<string, AtlasEntry[]>();
      group.set(name, [...(group.get(name) ?? []), e]);
      groups.set(kind, group);
    }
  }
  const rows = [...groups].map(([kind, group]) => {
    const row: LayerKindRow = { layer: kind, count: group.get(sortBy)?.length ?? 0 };
    for (const name of names) {
      const entries = group.get(name) ?? [];
      row[`${name} local`] = mean(entries.map((e) => e.local));
      row[`${name} propagated`] = mean(entries.map((e) => e.propagated));
    }
    for (const name of names) {
      const weights = (group.get(name) ?? []).flatMap((e) =>
        e.weightSqnr === undefined ? [] : [e.weightSqnr]
      );
      if (weights.length) row[`${name} weight`] = mean(weights);
    }
    return row;
  });
  const key = `${sortBy} local`;
  return rows.sort((a, b) => (a[key] as number) - (b[key] as number));
}
