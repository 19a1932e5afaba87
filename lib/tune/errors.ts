/**
 * Errors of the tuner.
 *
 * @module
 */

/** Options of `tune` that cannot work; the message names the option and the fix. */
export class TuneOptionsError extends Error {
  override name = "TuneOptionsError";
}

/** A trial could not run or be scored; the message names the trial, its config and the fix. */
export class TuneError extends Error {
  override name = "TuneError";
}
