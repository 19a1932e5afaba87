/**
 * A tiny image classifier built with the kit's `GraphBuilder`, shaped like a torch export of a
 * small CNN: Conv+BatchNorm+ReLU, Conv+BatchNorm+SiLU, Conv+ReLU, global average pooling, a
 * `x.view(x.size(0), -1)` flatten (Shape/Gather/Unsqueeze/Concat/Reshape) and a Linear. It gives
 * the Conv fusion passes real patterns to find.
 *
 * @module
 */

import { attr, createModel, DataType, type Dim, GraphBuilder, type Model } from "../onnx/mod.ts";
import { boxMuller, mulberry32 } from "../random/mod.ts";

/** Options of {@link buildTinyCnn}. */
export interface TinyCnnOptions {
  /** Seed of the random weights and BatchNorm statistics. */
  seed: number;
  /** Input channels, height and width (default `[3, 16, 16]`). */
  image?: [number, number, number];
  /** Channels of the three convolutions (default `[8, 16, 16]`). */
  channels?: [number, number, number];
  /** Output classes (default 10). */
  classes?: number;
  /** Emit BatchNormalization after the first two convolutions (default true). */
  batchNorm?: boolean;
  /** A fixed batch size, or the symbolic `"batch"` (default). */
  batch?: number | "batch";
}

/**
 * The tiny CNN: input `pixels` (float32 `[batch, C, H, W]`), output `logits` (`[batch, classes]`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildTinyCnn } from "./tiny_cnn.ts";
 * const model = buildTinyCnn({ seed: 0 });
 * assert.equal(model.graph.nodes.filter((n) => n.opType === "Conv").length, 3);
 * assert.deepEqual(model.graph.outputs[0].shape, ["batch", 10]);
 * ```
 */
export function buildTinyCnn(options: TinyCnnOptions): Model {
  const [c, h, w] = options.image ?? [3, 16, 16];
  const channels = options.channels ?? [8, 16, 16];
  const classes = options.classes ?? 10;
  const batch: Dim = options.batch ?? "batch";
  const bn = options.batchNorm ?? true;
  const random = normalSource(options.seed);
  const b = new GraphBuilder("tiny_cnn");
  let x = b.input("pixels", DataType.FLOAT, [batch, c, h, w]);
  const conv = (
    name: string,
    input: string,
    cin: number,
    cout: number,
    k: number,
    stride: number,
    bias: boolean,
  ) => {
    const s = b.scope(name);
    const weight = b.initializer(
      `${name}.weight`,
      DataType.FLOAT,
      [cout, cin, k, k],
      random.array(cout * cin * k * k, Math.sqrt(2 / (cin * k * k))),
    );
    const inputs = [input, weight];
    if (bias) {
      inputs.push(b.initializer(`${name}.bias`, DataType.FLOAT, [cout], random.array(cout, 0.1)));
    }
    const pad = Math.floor(k / 2);
    return s.op("Conv", inputs, {
      attributes: {
        kernel_shape: attr.ints([k, k]),
        strides: attr.ints([stride, stride]),
        pads: attr.ints([pad, pad, pad, pad]),
        dilations: attr.ints([1, 1]),
        group: attr.int(1),
      },
    });
  };
  const batchNorm = (name: string, input: string, ch: number) => {
    const init = (leaf: string, data: Float32Array) =>
      b.initializer(`${name}.${leaf}`, DataType.FLOAT, [ch], data);
    return b.scope(name).op("BatchNormalization", [
      input,
      init("weight", random.uniform(ch, 0.5, 1.5)),
      init("bias", random.array(ch, 0.1)),
      init("running_mean", random.array(ch, 0.1)),
      init("running_var", random.uniform(ch, 0.5, 1.5)),
    ], { attributes: { epsilon: attr.float(1e-5), momentum: attr.float(0.9) } });
  };
  x = conv("conv1", x, c, channels[0], 3, 1, !bn);
  if (bn) x = batchNorm("bn1", x, channels[0]);
  x = b.scope("act1").op("Relu", [x]);
  x = conv("conv2", x, channels[0], channels[1], 3, 2, !bn);
  if (bn) x = batchNorm("bn2", x, channels[1]);
  const act2 = b.scope("act2");
  x = act2.op("Mul", [x, act2.op("Sigmoid", [x])]);
  x = conv("conv3", x, channels[1], channels[2], 1, 1, true);
  x = b.scope("act3").op("Relu", [x]);
  x = b.scope("pool").op("GlobalAveragePool", [x]);
  const flat = b.scope("flatten");
  const size0 = flat.op("Gather", [
    flat.op("Shape", [x]),
    flat.constant("index", DataType.INT64, [], [0]),
  ], {
    attributes: { axis: attr.int(0) },
  });
  const shape = flat.op("Concat", [
    flat.op("Unsqueeze", [size0, flat.constant("axes", DataType.INT64, [1], [0])]),
    flat.constant("rest", DataType.INT64, [1], [-1]),
  ], { attributes: { axis: attr.int(0) } });
  x = flat.op("Reshape", [x, shape]);
  const fc = b.scope("fc");
  const wfc = b.initializer(
    "fc.weight",
    DataType.FLOAT,
    [channels[2], classes],
    random.array(channels[2] * classes, 1 / Math.sqrt(channels[2])),
  );
  const bfc = b.initializer("fc.bias", DataType.FLOAT, [classes], random.array(classes, 0.1));
  const logits = fc.op("Add", [fc.op("MatMul", [x, wfc]), bfc]);
  b.output(logits, DataType.FLOAT, [batch, classes], { rename: "logits" });
  return createModel(b.build(), { opset: 17, producerName: "workshop-kit" });
}

/** A seeded normal/uniform source (mulberry32 + Box–Muller). */
function normalSource(seed: number) {
  const next = mulberry32(seed >>> 0 || 0x6d2b79f5);
  return {
    array: (n: number, std: number) =>
      Float32Array.from({ length: n }, () => boxMuller(next) * std),
    uniform: (n: number, lo: number, hi: number) =>
      Float32Array.from({ length: n }, () => lo + (hi - lo) * next()),
  };
}
