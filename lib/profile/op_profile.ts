/**
 * ONNX Runtime's profiler trace (Chrome trace JSON) turned into time per kernel: which operators
 * ran after ORT's own fusions (`MatMulIntegerToFloat`, `QGemm`, `DynamicQuantizeMatMul`, …) and
 * how long each took per run.
 *
 * @module
 */

/** One event of ORT's trace (the fields the kit reads). */
export interface TraceEvent {
  cat: string;
  name: string;
  /** Start, µs. */
  ts: number;
  /** Duration, µs. */
  dur: number;
  args?: { op_name?: string; provider?: string };
}

/** What a kernel does, to group kernels across formats. */
export type KernelCategory =
  | "linear (FP32)"
  | "linear (INT8)"
  | "linear (FP16)"
  | "quantize / dequantize"
  | "attention"
  | "normalization"
  | "activation"
  | "element-wise"
  | "shape and copy"
  | "other";

/** Time of one kernel (an executed op type) per run. */
export interface KernelTime {
  /** The executed op type, after ORT's fusions. */
  kernel: string;
  category: KernelCategory;
  /** Mean milliseconds per run. */
  ms: number;
  /** Nodes of this kernel executed per run. */
  calls: number;
}

/** A profile: kernel times per run, slowest first. */
export interface OpProfile {
  /** Runs averaged. */
  runs: number;
  /** Sum of the kernels' times per run (ms): the work inside ORT, without its overhead. */
  kernelMs: number;
  /** Mean wall time of a run as ORT traced it (`model_run`, ms). */
  runMs: number;
  kernels: KernelTime[];
}

const CATEGORIES: [KernelCategory, RegExp][] = [
  [
    "linear (INT8)",
    /^(MatMulInteger(ToFloat)?|QGemm|QLinearMatMul|DynamicQuantizeMatMul|MatMulNBits|ConvInteger|QLinearConv)$/,
  ],
  ["quantize / dequantize", /^(QuantizeLinear|DequantizeLinear|DynamicQuantizeLinear|QLinear\w+)$/],
  ["linear (FP32)", /^(MatMul|Gemm|FusedMatMul|FusedGemm|Conv)$/],
  ["attention", /^(Attention|MultiHeadAttention|QAttention|Softmax|GroupQueryAttention)$/],
  [
    "normalization",
    /^(LayerNormalization|SkipLayerNormalization|SimplifiedLayerNormalization|EmbedLayerNormalization|ReduceMean|Pow|Sqrt)$/,
  ],
  ["activation", /^(Gelu|FastGelu|BiasGelu|Erf|Relu|Tanh|Sigmoid|QuickGelu)$/],
  ["element-wise", /^(Add|Sub|Mul|Div|Where|Equal|Not|Cast|BiasAdd)$/],
  [
    "shape and copy",
    /^(Reshape|Transpose|Shape|Gather|Unsqueeze|Squeeze|Concat|Slice|Expand|Range|Identity|Flatten|ConstantOfShape)$/,
  ],
];

/**
 * The category of a kernel (op type as ORT executed it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelCategory } from "./op_profile.ts";
 * assert.equal(kernelCategory("MatMulIntegerToFloat"), "linear (INT8)");
 * assert.equal(kernelCategory("DynamicQuantizeLinear"), "quantize / dequantize");
 * assert.equal(kernelCategory("FusedMatMul"), "linear (FP32)");
 * assert.equal(kernelCategory("MatMul", { fp16: true }), "linear (FP16)");
 * ```
 */
export function kernelCategory(kernel: string, options: { fp16?: boolean } = {}): KernelCategory {
  const found = CATEGORIES.find(([, pattern]) => pattern.test(kernel))?.[0] ?? "other";
  return found === "linear (FP32)" && options.fp16 ? "linear (FP16)" : found;
}

/** The trace holds no run to read; the message says what to do. */
export class ProfileTraceError extends Error {
  override name = "ProfileTraceError";
}

/**
 * Kernel times per run from ORT's trace events, over the last `runs` `model_run` events (earlier
 * runs — warm-up — are left out).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProfileTrace } from "./op_profile.ts";
 * const node = (op: string, ts: number, dur: number) => ({ cat: "Node", name: `${op}_kernel_time`, ts, dur, args: { op_name: op } });
 * const events = [
 *   { cat: "Session", name: "model_run", ts: 0, dur: 100 }, node("MatMul", 10, 50),
 *   { cat: "Session", name: "model_run", ts: 200, dur: 80 }, node("MatMul", 210, 30), node("Add", 250, 10),
 * ];
 * const p = parseProfileTrace(events, { runs: 1 });
 * assert.deepEqual(p.kernels.map((k) => [k.kernel, k.ms, k.calls]), [["MatMul", 0.03, 1], ["Add", 0.01, 1]]);
 * assert.equal(p.runMs, 0.08);
 * ```
 */
export function parseProfileTrace(
  events: readonly TraceEvent[],
  options: { runs?: number; fp16?: boolean } = {},
): OpProfile {
  const all = events.filter((e) => e.cat === "Session" && e.name === "model_run");
  const runs = all.slice(-(options.runs ?? all.length));
  if (runs.length === 0) {
    throw new ProfileTraceError(
      "the profile has no model_run event: run the session at least once before endProfiling().",
    );
  }
  const inRun = (e: TraceEvent) => runs.some((r) => e.ts >= r.ts && e.ts <= r.ts + r.dur);
  const byKernel = new Map<string, { us: number; calls: number }>();
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time") || !inRun(e)) continue;
    const kernel = e.args?.op_name ?? e.name;
    const k = byKernel.get(kernel) ?? { us: 0, calls: 0 };
    k.us += e.dur;
    k.calls++;
    byKernel.set(kernel, k);
  }
  const n = runs.length;
  const kernels = [...byKernel].map(([kernel, k]) => ({
    kernel,
    category: kernelCategory(kernel, options),
    ms: k.us / 1000 / n,
    calls: k.calls / n,
  })).sort((a, b) => b.ms - a.ms);
  return {
    runs: n,
    kernelMs: kernels.reduce((s, k) => s + k.ms, 0),
    runMs: runs.reduce((s, r) => s + r.dur, 0) / 1000 / n,
    kernels,
  };
}
