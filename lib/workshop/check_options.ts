/**
 * Checks of the workshop's run options, made before the work they would otherwise spoil: an empty
 * model id, a tuning budget of no trials, node names that are not in the model.
 *
 * @module
 */

/** A workshop option is invalid: the message names the option, the value and the fix. */
export class WorkshopOptionsError extends Error {
  override name = "WorkshopOptionsError";
}

/** Edit distance between `a` and `b` (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j] + 1,
        row[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * The candidates closest to `name` (at most `limit`, closest first): those within an edit
 * distance of a third of its length (at least 2), and those that contain it or that it contains.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nearMatches } from "./check_options.ts";
 * const nodes = ["/layer.0/q_lin/MatMul", "/layer.0/k_lin/MatMul", "/classifier/MatMul"];
 * assert.deepEqual(nearMatches("/layer.0/q_lin/Matmul", nodes), [
 *   "/layer.0/q_lin/MatMul",
 *   "/layer.0/k_lin/MatMul",
 * ]);
 * assert.deepEqual(nearMatches("classifier", nodes), ["/classifier/MatMul"]);
 * ```
 */
export function nearMatches(name: string, candidates: readonly string[], limit = 3): string[] {
  const budget = Math.max(2, Math.floor(name.length / 3));
  return candidates
    .map((candidate) => {
      const contains = candidate.includes(name) || name.includes(candidate);
      return { candidate, distance: contains ? 0.5 : editDistance(name, candidate) };
    })
    .filter((c) => c.distance <= budget)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map((c) => c.candidate);
}

/**
 * Throws {@link WorkshopOptionsError} when one of `names` (option `option`, e.g. `excludeNodes`)
 * is not a node of the model, naming the near matches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNodeNames } from "./check_options.ts";
 * const nodes = ["/layer.0/q_lin/MatMul", "/layer.0/k_lin/MatMul"];
 * checkNodeNames({ names: ["/layer.0/q_lin/MatMul"], nodes, option: "excludeNodes", model: "m" });
 * assert.throws(
 *   () => checkNodeNames({ names: ["/layer.0/q_lin"], nodes, option: "excludeNodes", model: "m" }),
 *   /did you mean "\/layer\.0\/q_lin\/MatMul"/,
 * );
 * ```
 */
export function checkNodeNames(options: {
  /** The names given. */
  names: readonly string[] | undefined;
  /** The model's node names. */
  nodes: readonly string[];
  /** The option that gave them, named in the error. */
  option: string;
  /** The model, named in the error. */
  model: string;
}): void {
  const known = new Set(options.nodes);
  const unknown = (options.names ?? []).filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  const described = unknown.map((name) => {
    const near = nearMatches(name, options.nodes);
    return `"${name}" (${
      near.length > 0 ? `did you mean ${near.map((n) => `"${n}"`).join(", ")}?` : "no near match"
    })`;
  });
  throw new WorkshopOptionsError(
    `${options.option}: ${unknown.length === 1 ? "no node" : "no nodes"} named ` +
      `${described.join(", ")} in ${options.model}, which has ${options.nodes.length} nodes. ` +
      `Pass node names exactly as the model's graph spells them (its nodes' "name" fields; a ` +
      `quantization report's nodes list the quantizable ones).`,
  );
}

/**
 * Throws {@link WorkshopOptionsError} when the model id or revision was given but is empty (a
 * blank `--model ""` must not fall back to the default model silently).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkModelChoice } from "./check_options.ts";
 * checkModelChoice({ modelId: "org/name" });
 * assert.throws(() => checkModelChoice({ modelId: "" }), /modelId \(--model\) is empty/);
 * ```
 */
export function checkModelChoice(options: { modelId?: string; revision?: string }): void {
  if (options.modelId !== undefined && options.modelId.trim() === "") {
    throw new WorkshopOptionsError(
      "modelId (--model) is empty: pass a hub model id such as " +
        '"textattack/distilbert-base-uncased-MRPC", or leave it out for WORKSHOP_MODEL.',
    );
  }
  if (options.revision !== undefined && options.revision.trim() === "") {
    throw new WorkshopOptionsError(
      'revision (--revision) is empty: pass a branch, tag or commit, or leave it out for "main".',
    );
  }
}
