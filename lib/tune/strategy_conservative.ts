/**
 * The `conservative` strategy: start with nothing quantized and add op types while accuracy
 * holds. Op types go in order of how many quantizable nodes they have (most first); an op type
 * whose nodes all together break the criterion is added block by block instead, and a block that
 * breaks it node by node — so what is quantized at the end has always kept the criterion. Every
 * trial quantizes what was kept so far plus the new nodes (the default recipe). It does not stop
 * at the first passing trial: each pass is a step, and the last kept configuration is the most
 * quantized one (the best by fallback count).
 *
 * @module
 */

import { blockGroups, type FallbackGroup, opGroups } from "./groups.ts";
import { registerStrategy, type TuneStrategy } from "./strategy.ts";
import type { TuneContext } from "./tune_context.ts";

/** The quantizable nodes of `ctx` grouped by op type, most nodes first (ties by name). */
export function opTypeGroups(ctx: TuneContext): FallbackGroup[] {
  const types = new Map(ctx.model.graph.nodes.map((n) => [n.name, n.opType]));
  const groups = new Map<string, string[]>();
  for (const node of ctx.quantizableNodes()) {
    const type = types.get(node) ?? "unknown";
    groups.set(type, [...(groups.get(type) ?? []), node]);
  }
  return [...groups].map(([label, nodes]) => ({ label, nodes }))
    .sort((a, b) => b.nodes.length - a.nodes.length || a.label.localeCompare(b.label));
}

/** The `conservative` strategy (registered as `"conservative"`). */
export const conservativeStrategy: TuneStrategy = registerStrategy({
  name: "conservative",
  description: "nothing quantized, then op types added (by block, by node) while accuracy holds",
  async run(ctx) {
    const all = ctx.quantizableNodes();
    const kept = new Set<string>();
    /** Tries quantizing `kept` ∪ `nodes`; true when kept, undefined when the budget ended. */
    const attempt = async (phase: string, nodes: readonly string[]) => {
      const next = new Set([...kept, ...nodes]);
      const fallback = opGroups(all.filter((n) => !next.has(n)));
      const candidate = { phase, recipe: ctx.defaultRecipe, fallback };
      if (ctx.tried(candidate)) return false;
      const trial = await ctx.run(candidate);
      if (!trial) return undefined;
      if (trial.met) { for (const n of nodes) kept.add(n); }
      return trial.met;
    };
    for (const type of opTypeGroups(ctx)) {
      const whole = await attempt(`op-type ${type.label}`, type.nodes);
      if (whole === undefined) return;
      if (whole) continue;
      const blocks = blockGroups(type.nodes);
      if (blocks.length < 2) {
        if (!await addNodes(type.nodes)) return;
        continue;
      }
      for (const block of blocks) {
        const ok = await attempt(`op-type ${type.label} block`, block.nodes);
        if (ok === undefined) return;
        if (!ok && block.nodes.length > 1 && !await addNodes(block.nodes)) return;
      }
    }
    /** Node by node; false when the budget ended. */
    async function addNodes(nodes: readonly string[]): Promise<boolean> {
      for (const node of nodes) {
        if (await attempt("node", [node]) === undefined) return false;
      }
      return true;
    }
  },
});
