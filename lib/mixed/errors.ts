/**
 * Errors of the mixed-precision converter.
 *
 * @module
 */

/** A model or option the converter cannot use; the message names the model part and the fix. */
export class MixedPrecisionError extends Error {
  override name = "MixedPrecisionError";
}
