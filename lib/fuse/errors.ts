/**
 * Errors of the fusion passes. Each message names the pass, node or model and the fix.
 *
 * @module
 */

/** A pass name that is not in the registry. */
export class UnknownPassError extends Error {
  override name = "UnknownPassError";
}

/** A pass cannot run on this model (opset too old, op with changed semantics, …). */
export class FusionError extends Error {
  override name = "FusionError";
}

/** A fused graph computes different outputs than the graph it came from. */
export class FusionMismatchError extends Error {
  override name = "FusionMismatchError";
}

/** A pass registration that would make the registry ambiguous (duplicate name, unknown anchor). */
export class PassRegistryError extends Error {
  override name = "PassRegistryError";
}
