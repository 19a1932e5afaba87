/**
 * Running first-order saliency |w·∂L/∂w| per entry, shared by the Taylor (sum over batches) and
 * snip-momentum (decayed sum) criteria, saved as `score/<weight>` tensors in the checkpoint.
 *
 * @module
 */
import type { ExtensionState } from "../../train/extension.ts";
import { PruneCriterionError } from "../errors.ts";
import type { ObserveContext, PruneCriterion, ScoreContext } from "./types.ts";

/** Options of {@link gradientCriterion}. */
export interface GradientCriterionOptions {
  name: string;
  /** score ← decay · score + |w·g| per batch (1: a plain sum). */
  decay: number;
  scoringSteps: number;
}

/** A criterion scoring entries by a (decayed) sum of |w·∂L/∂w| over the batches it observed. */
export function gradientCriterion(options: GradientCriterionOptions): PruneCriterion {
  const { name, decay } = options;
  const scores = new Map<string, Float32Array>();
  let batches = 0;
  return {
    name,
    needsGradients: true,
    scoringSteps: options.scoringSteps,
    observe: ({ names, weight, gradients }: ObserveContext) => {
      for (const n of names) {
        const g = gradients.get(n);
        if (!g) continue;
        const w = weight(n);
        let s = scores.get(n);
        if (!s) scores.set(n, s = new Float32Array(g.length));
        for (let i = 0; i < g.length; i++) s[i] = decay * s[i] + Math.abs(w[i] * g[i]);
      }
      batches++;
    },
    scores: ({ names }: ScoreContext) => {
      if (batches === 0) {
        throw new PruneCriterionError(
          `criterion ${name} has observed no gradients yet: it scores weights by |w·∂L/∂w| ` +
            "over training batches; prune after at least one update (schedule step ≥ 0 within " +
            "training), or use magnitude.",
        );
      }
      return new Map(names.map((n) => [n, scores.get(n) ?? new Float32Array(0)]));
    },
    saveState: (): ExtensionState => ({
      data: { batches },
      tensors: new Map(
        [...scores].map(([n, s]) => [`score/${n}`, { shape: [s.length], data: s.slice() }]),
      ),
    }),
    loadState: (state: ExtensionState) => {
      batches = (state.data as { batches?: number } | undefined)?.batches ?? 0;
      scores.clear();
      for (const [key, t] of state.tensors ?? []) {
        if (key.startsWith("score/")) scores.set(key.slice(6), t.data.slice());
      }
    },
  };
}
