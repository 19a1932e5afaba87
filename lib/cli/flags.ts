/**
 * The command-line flags of the `deno task` commands: parsing with `node:util`'s `parseArgs`, and
 * checks of single values; every refusal is a {@link UsageError} naming the flag and the fix.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line a task does not accept: the message names the flag and the fix. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** What {@link parseTaskFlags} parses: `parseArgs`'s configuration without `args`. */
export type TaskFlagsConfig = Omit<ParseArgsConfig, "args">;

/**
 * `parseArgs` of `args` with `config`; an unknown or malformed flag becomes a {@link UsageError}
 * that points at `deno task <task> --help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTaskFlags, UsageError } from "./flags.ts";
 * const options = { out: { type: "string" } } as const;
 * assert.equal(parseTaskFlags("demo", ["--out", "o"], { options }).values.out, "o");
 * assert.throws(() => parseTaskFlags("demo", ["--bogus"], { options }), UsageError);
 * assert.throws(() => parseTaskFlags("demo", ["--bogus"], { options }), /see deno task demo --help$/);
 * ```
 */
export function parseTaskFlags<C extends TaskFlagsConfig>(
  task: string,
  args: string[],
  config: C,
): ReturnType<typeof parseArgs<C & { args: string[] }>> {
  try {
    return parseArgs({ ...config, args });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; see deno task ${task} --help`);
  }
}

/**
 * `value` when it is one of `allowed` (undefined when the flag is absent); otherwise a
 * {@link UsageError} listing them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneOf } from "./flags.ts";
 * assert.equal(oneOf("format", "qdq", ["qdq", "qoperator"]), "qdq");
 * assert.throws(() => oneOf("format", "x", ["qdq", "qoperator"]), /--format x is not one of qdq, qoperator/);
 * ```
 */
export function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${flag} ${value} is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/**
 * `value` as a whole number ≥ 1 of `what` (undefined when the flag is absent); otherwise a
 * {@link UsageError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wholeNumber } from "./flags.ts";
 * assert.equal(wholeNumber("samples", "16", "MRPC pairs"), 16);
 * assert.throws(() => wholeNumber("samples", "2.5", "MRPC pairs"), /--samples "2.5" must be a whole number of MRPC pairs, ≥ 1/);
 * ```
 */
export function wholeNumber(
  flag: string,
  value: string | undefined,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(value.trim() !== "" && Number.isInteger(n) && n >= 1)) {
    throw new UsageError(
      `--${flag} ${JSON.stringify(value)} must be a whole number of ${what}, ≥ 1`,
    );
  }
  return n;
}

/**
 * `value` as a number ≥ `min` (default 0; `Infinity` too; undefined when the flag is absent);
 * otherwise a {@link UsageError} with `example`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positiveNumber } from "./flags.ts";
 * assert.equal(positiveNumber("latency-tolerance", "0.5", { example: "0.5" }), 0.5);
 * assert.throws(
 *   () => positiveNumber("latency-tolerance", "-1", { example: "0.5" }),
 *   /--latency-tolerance -1 must be a number ≥ 0 \(e\.g\. 0\.5\)/,
 * );
 * ```
 */
export function positiveNumber(
  flag: string,
  value: string | undefined,
  options: { example: string; min?: number },
): number | undefined {
  if (value === undefined) return undefined;
  const min = options.min ?? 0;
  const n = Number(value);
  if (!(value.trim() !== "" && n >= min)) {
    throw new UsageError(`--${flag} ${value} must be a number ≥ ${min} (e.g. ${options.example})`);
  }
  return n;
}

/**
 * Refuses a flag given with an empty value (`--out ''`) with a {@link UsageError} saying `fix`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notEmpty } from "./flags.ts";
 * notEmpty("out", undefined, "pass a folder");
 * assert.throws(() => notEmpty("out", " ", "pass a folder"), /--out is empty: pass a folder/);
 * ```
 */
export function notEmpty(flag: string, value: string | undefined, fix: string): void {
  if (value !== undefined && value.trim() === "") {
    throw new UsageError(`--${flag} is empty: ${fix}`);
  }
}
