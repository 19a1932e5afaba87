/**
 * Bit layouts of one value in FP32, BF16 and FP16 — sign, exponent and mantissa bits side by side
 * with the value each format stores and the error — for the notebook's "what is a float" step.
 *
 * @module
 */

import {
  DataType,
  fromBfloat16Bits,
  fromFloat16Bits,
  type Model,
  tensorToFloat32,
  toBfloat16Bits,
  toFloat16Bits,
} from "../onnx/mod.ts";
import { escapeHtml, JUPYTER_DISPLAY, type MimeBundle, Table } from "../display/mod.ts";

/** A float format the kit shows. */
export type FloatFormat = "fp32" | "bf16" | "fp16";

/** Field widths (sign, exponent, mantissa) and exponent bias of each format. */
export const FLOAT_FORMATS: Readonly<
  Record<FloatFormat, { exponentBits: number; mantissaBits: number; bias: number }>
> = {
  fp32: { exponentBits: 8, mantissaBits: 23, bias: 127 },
  bf16: { exponentBits: 8, mantissaBits: 7, bias: 127 },
  fp16: { exponentBits: 5, mantissaBits: 10, bias: 15 },
};

/** One value in one format: its bit fields and what it decodes to. */
export interface FloatBitLayout {
  format: FloatFormat;
  /** The raw bits as an unsigned integer. */
  bits: number;
  hex: string;
  sign: string;
  exponent: string;
  mantissa: string;
  /** The exponent field minus the bias (for normal numbers). */
  unbiasedExponent: number;
  /** The value these bits hold. */
  stored: number;
  /** `stored − value`. */
  error: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The bits of `value` rounded to `format` (nearest, ties to even; fp16 overflows to ±Infinity).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { floatBitLayout } from "./bits.ts";
 * const one = floatBitLayout(-1.5, "bf16");
 * assert.deepEqual([one.sign, one.exponent, one.mantissa], ["1", "01111111", "1000000"]);
 * assert.equal(one.hex, "0xbfc0");
 * assert.equal(floatBitLayout(0.1, "fp16").stored, 0.0999755859375);
 * ```
 */
export function floatBitLayout(value: number, format: FloatFormat): FloatBitLayout {
  const { exponentBits, mantissaBits, bias } = FLOAT_FORMATS[format];
  let bits: number;
  let stored: number;
  if (format === "fp32") {
    f32[0] = value;
    bits = u32[0];
    stored = f32[0];
  } else if (format === "bf16") {
    bits = toBfloat16Bits(value);
    stored = fromBfloat16Bits(bits);
  } else {
    bits = toFloat16Bits(value);
    stored = fromFloat16Bits(bits);
  }
  const width = 1 + exponentBits + mantissaBits;
  const text = bits.toString(2).padStart(width, "0");
  const exponent = text.slice(1, 1 + exponentBits);
  return {
    format,
    bits,
    hex: `0x${bits.toString(16).padStart(width / 4, "0")}`,
    sign: text[0],
    exponent,
    mantissa: text.slice(1 + exponentBits),
    unbiasedExponent: parseInt(exponent, 2) - bias,
    stored,
    error: stored - value,
  };
}

/** Options of {@link FloatBitsTable}. */
export interface FloatBitsOptions {
  /** What the value is, shown as the caption (e.g. the weight's name and index). */
  label?: string;
}

/**
 * The value's FP32, BF16 and FP16 layouts as a table with coloured sign / exponent / mantissa
 * bits; shows itself in notebooks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FloatBitsTable } from "./bits.ts";
 * const table = new FloatBitsTable(0.1, { label: "0.1" });
 * assert.deepEqual(table.rows.map((r) => r.format), ["fp32", "bf16", "fp16"]);
 * assert.match(table.toString(), /bf16 +0 01111011 1001101/);
 * ```
 */
export class FloatBitsTable {
  readonly value: number;
  readonly rows: FloatBitLayout[];
  readonly options: FloatBitsOptions;

  constructor(value: number, options: FloatBitsOptions = {}) {
    this.value = value;
    this.options = options;
    this.rows = (["fp32", "bf16", "fp16"] as const).map((f) => floatBitLayout(value, f));
  }

  /** Aligned text: format, sign, exponent, mantissa, stored value, error. */
  toString(): string {
    const lines = this.rows.map((r) =>
      `${r.format.padEnd(5)}${r.sign} ${r.exponent.padEnd(8)} ${r.mantissa.padEnd(23)} ` +
      `${r.hex.padEnd(11)} ${formatNumber(r.stored).padEnd(24)} ${formatNumber(r.error)}`
    );
    const head = `${"".padEnd(5)}s ${"exponent".padEnd(8)} ${"mantissa".padEnd(23)} ` +
      `${"hex".padEnd(11)} ${"stored value".padEnd(24)} error`;
    return [this.caption(), head, ...lines].join("\n");
  }

  /** An HTML table, bits coloured: sign red, exponent green, mantissa blue. */
  toHtml(): string {
    const span = (bits: string, color: string) =>
      `<span style="font-family:monospace;color:${color}">${bits}</span>`;
    const body = this.rows.map((r) => {
      const { exponentBits, mantissaBits, bias } = FLOAT_FORMATS[r.format];
      return `<tr><td>${r.format}</td><td>${span(r.sign, "#c0392b")} ${
        span(r.exponent, "#27ae60")
      } ${
        span(r.mantissa, "#2980b9")
      }</td><td>1 + ${exponentBits} + ${mantissaBits} (bias ${bias})</td>` +
        `<td>${r.hex}</td><td>${r.unbiasedExponent}</td><td>${formatNumber(r.stored)}</td>` +
        `<td>${formatNumber(r.error)}</td></tr>`;
    }).join("\n");
    return `<table class="results"><caption>${escapeHtml(this.caption())}</caption>` +
      `<thead><tr><th>format</th><th>sign · exponent · mantissa</th><th>bits</th><th>hex</th>` +
      `<th>exponent − bias</th><th>stored value</th><th>error</th></tr></thead>\n<tbody>\n${body}` +
      `\n</tbody></table>`;
  }

  /** Rich output for Deno's Jupyter kernel. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "text/html": this.toHtml(), "text/plain": this.toString() };
  }

  private caption(): string {
    return `${this.options.label ?? "value"} = ${formatNumber(this.value)}`;
  }
}

/**
 * What FP32, BF16 and FP16 store for each value, with the relative error: range (overflow to
 * Infinity, underflow to 0) and precision side by side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { floatFormatsTable } from "./bits.ts";
 * const table = floatFormatsTable([70000, 1e-8]);
 * assert.deepEqual(table.rows.map((r) => r["fp16 stored"]), ["Infinity", "0"]);
 * assert.equal(table.rows[0]["bf16 stored"], "70144");
 * assert.equal(table.rows[1]["fp16 rel. error"], 1);
 * ```
 */
export function floatFormatsTable(
  values: readonly number[],
  options: { title?: string } = {},
): Table {
  return new Table(
    values.map((value) => {
      const row: Record<string, number | string> = { value: formatNumber(value) };
      for (const format of ["fp32", "bf16", "fp16"] as const) {
        const layout = floatBitLayout(value, format);
        row[`${format} stored`] = formatNumber(layout.stored);
        row[`${format} rel. error`] = value === 0 ? 0 : Math.abs(layout.error / value);
      }
      return row;
    }),
    { title: options.title ?? "What each format stores", digits: 6 },
  );
}

function formatNumber(v: number): string {
  return Number.isFinite(v) && v !== 0 && Math.abs(v) < 1e-3
    ? v.toExponential(6)
    : String(Number(v.toPrecision(10)));
}

/** A weight value picked from a model, with where it came from. */
export interface WeightValue {
  tensor: string;
  index: number;
  value: number;
}

/** Options of {@link weightValue}. */
export interface WeightValueOptions {
  /** The initializer (exact name or a pattern; default: the first float matrix). */
  tensor?: string | RegExp;
  /** The element (default: the one of largest magnitude, which shows the most rounding). */
  index?: number;
}

/** No initializer matches. */
export class WeightNotFoundError extends Error {
  override name = "WeightNotFoundError";
}

/**
 * One value of a model's float weight, for showing its bit layout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGraph, createModel, createTensor, DataType } from "../onnx/mod.ts";
 * import { weightValue } from "./bits.ts";
 * const model = createModel(createGraph());
 * model.graph.initializers.push(createTensor("w", DataType.FLOAT, [2, 2], [0.5, -3, 1, 2]));
 * assert.deepEqual(weightValue(model), { tensor: "w", index: 1, value: -3 });
 * ```
 */
export function weightValue(model: Model, options: WeightValueOptions = {}): WeightValue {
  const { tensor } = options;
  const found = model.graph.initializers.find((t) =>
    t.dataType === DataType.FLOAT && (
      tensor === undefined
        ? t.dims.length === 2
        : typeof tensor === "string"
        ? t.name === tensor
        : tensor.test(t.name)
    )
  );
  if (!found) {
    throw new WeightNotFoundError(
      `No float initializer ${tensor === undefined ? "matrix" : `matching ${tensor}`} in graph ` +
        `"${model.graph.name}"; pass another name or pattern as options.tensor.`,
    );
  }
  const values = tensorToFloat32(found);
  let index = options.index ?? 0;
  if (options.index === undefined) {
    for (let i = 1; i < values.length; i++) {
      if (Math.abs(values[i]) > Math.abs(values[index])) index = i;
    }
  }
  return { tensor: found.name, index, value: values[index] };
}
