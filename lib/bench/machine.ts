import { cpus, totalmem } from "node:os";
import { cpuFlags } from "../runtime/cpu_features.ts";

/** What a benchmark ran on, written beside its numbers so they can be compared honestly. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  arch: string;
  /** Instruction-set extensions that matter for INT8/BF16 kernels, as the OS reports them. */
  isa: string[];
  deno: string;
  onnxruntime: string;
}

const INTERESTING_FLAGS = [
  "avx2",
  "fma",
  "avx512f",
  "avx512bw",
  "avx512vl",
  "avx512_vnni",
  "avx_vnni",
  "avx512_bf16",
  "amx_bf16",
  "amx_int8",
  "avx512_fp16",
];

/**
 * Describes this machine: CPU model, cores, memory, OS, the ISA extensions relevant to low-precision
 * kernels (from `/proc/cpuinfo` on Linux) and the Deno and ONNX Runtime versions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { machineInfo } from "./machine.ts";
 * const info = await machineInfo();
 * assert.ok(info.cores >= 1);
 * ```
 */
export async function machineInfo(): Promise<MachineInfo> {
  const ort = await import("onnxruntime-node");
  const list = cpus();
  return {
    cpu: list[0]?.model ?? "unknown",
    cores: list.length,
    memoryBytes: totalmem(),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    arch: Deno.build.arch,
    isa: cpuFlags().filter((f) => INTERESTING_FLAGS.includes(f)),
    deno: Deno.version.deno,
    onnxruntime: ort.env.versions?.common ?? "unknown",
  };
}
