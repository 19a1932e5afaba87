/**
 * Quantization-aware training (QAT): fake quantization in the training engine's forward pass —
 * weights int8 per output channel, activations from moving-average min/max observers, uint8 or
 * int8, optionally the embedding tables int8 per hidden unit — with the straight-through estimator in the backward pass, all in float; export of the
 * trained model to a QDQ ONNX model whose scales and zero points are the learned ones.
 *
 * - Primitives: {@link fakeQuantize} (bit-equal to `lib/quant`'s QuantizeLinear →
 *   DequantizeLinear), {@link MinMaxObserver}, {@link QatQuantizer} (the forward hooks).
 * - Training and export: {@link qatExtension} (the quantizer as a training extension),
 *   {@link trainQat} (resumable from the engine's checkpoint alone), {@link exportQatModel}.
 * - Workflow: {@link prepareQatData}, {@link scoreOnnx}, {@link ptqBaseline},
 *   {@link qatFineTune}, with tables and charts ({@link qatComparisonTable}, …) and
 *   {@link qatBenchRows} and {@link qatSuite} for `deno task bench`.
 *
 * @module
 */
export * from "./fake_quant.ts";
export * from "./observer.ts";
export * from "./scheme.ts";
export * from "./sites.ts";
export * from "./quantizer.ts";
export * from "./export.ts";
export * from "./profile.ts";
export * from "./train_qat.ts";
export * from "./workflow.ts";
export * from "./figures.ts";
export * from "./bench.ts";
