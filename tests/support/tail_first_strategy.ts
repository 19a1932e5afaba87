/**
 * A tuning strategy defined outside `lib/` — one file plus one `registerStrategy` call — used by
 * `tests/tune_registry_test.ts` and loadable by `deno task quantize --import` (its `--help` then
 * lists it). `tail-first`: everything quantized, then FP32 fallback of whole blocks taken from
 * the end of the graph (head first), accumulating until the criterion holds. It logs what it
 * proposed, in order, so a test can compare with the history.
 *
 * @module
 */
import { type Candidate, registerStrategy, type TuneStrategy } from "../../lib/tune/mod.ts";

/** The `tail-first` strategy, with the labels of what its last run proposed. */
export const tailFirstStrategy: TuneStrategy & { proposed: string[] } = {
  name: "tail-first",
  description: "quantize all, then fall back whole blocks from the head towards the embeddings",
  proposed: [],
  async run(ctx) {
    this.proposed.length = 0;
    const propose = (candidate: Candidate) => {
      this.proposed.push(
        `${candidate.phase}:${(candidate.fallback ?? []).map((g) => g.label).join("+")}`,
      );
      return ctx.run(candidate);
    };
    const first = await propose({ phase: "quantize-all", recipe: ctx.defaultRecipe });
    if (!first || first.met) return;
    const tail = ctx.blocks().reverse();
    for (let k = 1; k < tail.length; k++) {
      const fallback = tail.slice(0, k);
      const trial = await propose({ phase: "tail-fallback", recipe: ctx.defaultRecipe, fallback });
      if (!trial || trial.met) return;
    }
  },
};

registerStrategy(tailFirstStrategy);
