/**
 * The workshop kit for compressing transformer models: hub access, data, ONNX models,
 * evaluation and benchmarks, and every compression technique built on them.
 *
 * @module
 */
