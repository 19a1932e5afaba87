import { stat } from "node:fs/promises";

/**
 * Bytes on disk of an ONNX model: the file plus its external-data file (`<name>_data` or
 * `<name>.data`), when there is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelSizeOnDisk } from "./size.ts";
 * const path = `${await Deno.makeTempDir()}/m.onnx`;
 * await Deno.writeFile(path, new Uint8Array(10));
 * assert.equal(await modelSizeOnDisk(path), 10);
 * ```
 */
export async function modelSizeOnDisk(path: string): Promise<number> {
  let total = (await stat(path)).size;
  for (const extra of [`${path}_data`, `${path}.data`]) {
    total += await stat(extra).then((s) => s.size, () => 0);
  }
  return total;
}
