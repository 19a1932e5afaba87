/**
 * File helpers shared by the kit: atomic writes so a crash never leaves a corrupt file.
 *
 * @module
 */
export * from "./atomic.ts";
