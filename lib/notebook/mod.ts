/**
 * Jupyter support: registering Deno's kernel, and running notebooks headless.
 *
 * @module
 */
export * from "./kernel.ts";
export * from "./execute.ts";
