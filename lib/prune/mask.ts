/** 0/1 masks by PyTorch state-dict weight name (e.g. "distilbert.transformer.layer.0.ffn.lin1.weight"),
 *  each the weight's own shape in PyTorch's [out, in] layout, row-major. 1 keeps, 0 prunes. */
export type MaskSet = Map<string, { shape: number[]; mask: Uint8Array }>;

/** What structured pruning keeps, per transformer layer (indices in ascending order). */
export interface StructuredPlan {
  layers: Array<{
    /** FFN units (rows of ffn.lin1, columns of ffn.lin2) kept. */
    ffnKeep: number[];
    /** Attention heads kept (each head = dim/n_heads rows of q/k/v_lin and columns of out_lin). */
    headsKeep: number[];
  } | null>; // null: the whole layer is removed (depth pruning)
}
