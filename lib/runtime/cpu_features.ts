/**
 * What this CPU does to ONNX Runtime's integer matrix products. On x86 CPUs with VNNI (AVX-512
 * VNNI, AVX-VNNI) or AMX, a uint8 × int8 product accumulates exactly in int32. On x86 CPUs with
 * only AVX2 (or AVX-512 without VNNI), ORT's kernel multiplies with `vpmaddubsw`, which adds two
 * neighbouring u8·s8 products into an int16 and **saturates** it: 255·127 + 255·127 = 64,770 does
 * not fit in 32,767. That is why ORT's quantization tool has `reduce_range` (7-bit weights: two
 * products of at most 255·64 never saturate) and why the kit turns it on by default there.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/**
 * How ORT's CPU kernels accumulate uint8 × int8 products here: `"int32"` (exact: VNNI, AMX, Arm)
 * or `"int16-pairs"` (x86 without VNNI: pairs of products along K are summed in int16 with
 * saturation, then accumulated in int32).
 */
export type U8S8Accumulation = "int32" | "int16-pairs";

const EXACT_X86_FLAGS = ["avx512_vnni", "avx_vnni", "amx_int8"];

/**
 * The CPU's feature flags as the OS reports them (`/proc/cpuinfo` on Linux; empty elsewhere).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuFlags } from "./cpu_features.ts";
 * assert.ok(Array.isArray(cpuFlags()));
 * ```
 */
export function cpuFlags(): string[] {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const line = text.split("\n").find((l) => l.startsWith("flags"));
    return line ? line.split(":")[1].trim().split(/\s+/) : [];
  } catch {
    return [];
  }
}

/**
 * How uint8 × int8 products accumulate in ORT's CPU kernels on this machine (or on one with
 * `flags`): `"int16-pairs"` on x86 without VNNI/AMX, else `"int32"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u8s8Accumulation } from "./cpu_features.ts";
 * assert.equal(u8s8Accumulation({ arch: "x86_64", flags: ["avx2", "fma"] }), "int16-pairs");
 * assert.equal(u8s8Accumulation({ arch: "x86_64", flags: ["avx2", "avx512_vnni"] }), "int32");
 * assert.equal(u8s8Accumulation({ arch: "aarch64", flags: [] }), "int32");
 * ```
 */
export function u8s8Accumulation(
  machine: { arch: string; flags: readonly string[] } = {
    arch: Deno.build.arch,
    flags: cpuFlags(),
  },
): U8S8Accumulation {
  if (machine.arch !== "x86_64") return "int32";
  return machine.flags.some((f) => EXACT_X86_FLAGS.includes(f)) ? "int32" : "int16-pairs";
}
