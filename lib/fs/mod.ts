/**
 * File helpers shared by the kit: atomic writes so a crash never leaves a corrupt file, and whole
 * output folders swapped in only when complete.
 *
 * @module
 */
export * from "./atomic.ts";
export * from "./atomic_dir.ts";
export * from "./interrupt.ts";
