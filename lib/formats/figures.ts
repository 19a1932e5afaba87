import { Figure, Table } from "../display/mod.ts";
import {
  formatRange,
  NUMBER_FORMAT_NAMES,
  NUMBER_FORMATS,
  type NumberFormatName,
} from "./number_formats.ts";
import { formatBits } from "./format_bits.ts";
import type { RoundToFormatOptions } from "./round.ts";
import type { RoundingStats } from "./rounding_stats.ts";

const short = (x: number) =>
  x === 0 || !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3
    ? x.toExponential(3)
    : String(Number(x.toPrecision(6)));

/** The fields of a format's bits, in order: `[name, width]`. */
function fields(format: NumberFormatName): [string, number][] {
  const spec = NUMBER_FORMATS[format];
  return spec.kind === "float"
    ? [["sign", 1], ["exponent", spec.exponentBits], ["mantissa", spec.mantissaBits]]
    : [["sign", 1], ["value bits", spec.bits - 1]];
}

/**
 * Range and precision of each format side by side: layout, largest value, smallest normal and
 * subnormal value, relative precision and decimal digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRangeTable } from "./figures.ts";
 * const t = formatRangeTable();
 * assert.equal(t.rows.find((r) => r.format === "fp16")!.max, "65504");
 * ```
 */
export function formatRangeTable(
  formats: readonly NumberFormatName[] = NUMBER_FORMAT_NAMES,
): Table {
  return new Table(
    formats.map((format) => {
      const range = formatRange(format);
      const int = NUMBER_FORMATS[format].kind === "int";
      return {
        format,
        layout: fields(format).map(([, n]) => n).join("·"),
        max: int ? `${range.max} × scale` : short(range.max),
        "smallest normal": int ? "1 × scale" : short(range.minNormal),
        "smallest > 0": int ? "1 × scale" : short(range.minPositive),
        "relative step": short(range.epsilon),
        "decimal digits": Number(range.digits.toFixed(1)),
        "distinct values": range.values,
        "used for": NUMBER_FORMATS[format].note,
      };
    }),
    { title: "Number formats: range and precision" },
  );
}

/**
 * The bit layouts drawn: one bar per format, its sign, exponent and mantissa fields coloured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bitLayoutFigure } from "./figures.ts";
 * const fig = bitLayoutFigure(["fp32", "bf16"]);
 * assert.deepEqual(fig.data.find((t) => t.name === "exponent")!.x, [8, 8]);
 * ```
 */
export function bitLayoutFigure(
  formats: readonly NumberFormatName[] = NUMBER_FORMAT_NAMES,
): Figure {
  const colors: Record<string, string> = {
    sign: "#d62728",
    exponent: "#2ca02c",
    mantissa: "#1f77b4",
    "value bits": "#9467bd",
  };
  const names = ["sign", "exponent", "mantissa", "value bits"];
  const y = [...formats];
  const data = names.map((name) => {
    const x = formats.map((f) => fields(f).find(([n]) => n === name)?.[1] ?? 0);
    return {
      type: "bar",
      orientation: "h",
      name,
      x,
      y,
      text: x.map((n) => (n > 0 ? String(n) : "")),
      textposition: "inside",
      marker: { color: colors[name] },
    };
  });
  return new Figure(data, {
    title: { text: "Bit layouts (bits per field)" },
    barmode: "stack",
    xaxis: { title: { text: "bits" }, dtick: 4 },
    yaxis: { autorange: "reversed" },
    height: 60 + 40 * formats.length,
  });
}

/** Options of {@link formatBitsTable}. */
export interface FormatBitsTableOptions extends RoundToFormatOptions {
  formats?: readonly NumberFormatName[];
}

/**
 * One value in every format: its bits field by field, what is stored and the error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBitsTable } from "./figures.ts";
 * const t = formatBitsTable(3.14159, { formats: ["fp32", "fp8-e4m3"] });
 * assert.equal(t.rows[1].stored, "3.25");
 * ```
 */
export function formatBitsTable(value: number, options: FormatBitsTableOptions = {}): Table {
  const formats = options.formats ?? NUMBER_FORMAT_NAMES;
  return new Table(
    formats.map((format) => {
      const b = formatBits(value, format, options);
      return {
        format,
        sign: b.sign,
        exponent: b.exponent,
        "mantissa / value bits": b.mantissa,
        hex: b.hex,
        stored: short(b.stored),
        error: short(b.error),
        "relative error": short(b.relativeError),
        note: b.overflow ? "overflow" : b.underflow ? "underflow" : "",
      };
    }),
    {
      title: `${value} in each format${
        options.scale === undefined ? "" : ` (integer scale ${options.scale})`
      }`,
    },
  );
}

/**
 * Rounding statistics (from `roundingStats`) as a table, one row per (tensor, format).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundingStatsTable } from "./figures.ts";
 * import { roundingStats } from "./rounding_stats.ts";
 * const t = roundingStatsTable([{ tensor: "x", stats: roundingStats([1e-9, 1], "fp16") }]);
 * assert.equal(t.rows[0].underflowed, 1);
 * ```
 */
export function roundingStatsTable(
  rows: readonly { tensor: string; stats: RoundingStats }[],
  options: { title?: string } = {},
): Table {
  return new Table(
    rows.map(({ tensor, stats }) => ({
      tensor,
      format: stats.format,
      values: stats.count,
      "rounded %": Number((100 * stats.rounded / stats.count).toFixed(2)),
      overflowed: stats.overflowed,
      underflowed: stats.underflowed,
      "max |error|": short(stats.maxAbsError),
      "mean rel. error": short(stats.meanRelativeError),
      "RMS rel. error": short(stats.rmsRelativeError),
    })),
    { title: options.title ?? "Rounding, overflow and underflow" },
  );
}
