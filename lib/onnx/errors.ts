/**
 * Errors of the ONNX model IR. Each message names the file, tensor or node concerned and the fix.
 *
 * @module
 */

/** Bytes that are not a readable ONNX model (corrupt, truncated, or another format). */
export class OnnxDecodeError extends Error {
  override name = "OnnxDecodeError";
}

/** A model that cannot be written as ONNX (inconsistent tensor, unencodable value, too large). */
export class OnnxEncodeError extends Error {
  override name = "OnnxEncodeError";
}

/**
 * An external-data reference that cannot be loaded: missing file, wrong length, or a location
 * that leaves the model's folder (`..`, an absolute path, a symlink pointing outside).
 */
export class OnnxExternalDataError extends Error {
  override name = "OnnxExternalDataError";
}

/** A graph whose structure is broken: a cycle, a value used but never produced, a duplicate name. */
export class OnnxGraphError extends Error {
  override name = "OnnxGraphError";
}
