/**
 * Reads a PyTorch checkpoint (`pytorch_model.bin`, `*.pt`, `*.pth`) into a {@link WeightMap}:
 * the zip form (torch ≥ 1.6) or the legacy form (torch < 1.6), detected from the first bytes.
 * Pickles are interpreted, never executed, and may name only the allow-listed globals of
 * `allowlist.ts`; anything else is refused with `UnsafePickleError`.
 *
 * @module
 */
import type { WeightMap } from "../weights.ts";
import type { ReadWeightsOptions } from "./dtype.ts";
import { PickleError, TorchCheckpointError } from "./errors.ts";
import { isLegacyCheckpoint, parseLegacyCheckpoint } from "./legacy.ts";
import { isZipCheckpoint, parseZipCheckpoint } from "./zip.ts";
import { materializeTensor, TensorRef } from "./tensor_ref.ts";
import { describePickleValue } from "./unpickler.ts";

/** The serializations {@link detectCheckpointFormat} tells apart. */
export type CheckpointFormat = "zip" | "legacy" | "tar" | "unknown";

/**
 * Tells a checkpoint's serialization from its first bytes: `"zip"` (torch ≥ 1.6), `"legacy"`
 * (torch < 1.6 pickle stream), `"tar"` (torch < 0.4, unsupported) or `"unknown"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectCheckpointFormat } from "./checkpoint.ts";
 * assert.equal(detectCheckpointFormat(new Uint8Array([0x50, 0x4b, 3, 4, 0])), "zip");
 * assert.equal(detectCheckpointFormat(new TextEncoder().encode("{}")), "unknown");
 * ```
 */
export function detectCheckpointFormat(bytes: Uint8Array): CheckpointFormat {
  if (isZipCheckpoint(bytes)) return "zip";
  if (isLegacyCheckpoint(bytes)) return "legacy";
  const ustar = new TextDecoder("latin1").decode(bytes.subarray(257, 262));
  if (ustar === "ustar") return "tar";
  return "unknown";
}

/** The state dict inside an unpickled checkpoint (top level, or under `state_dict`/`model`). */
function stateDict(root: unknown, source: string): Map<string, TensorRef> {
  if (!(root instanceof Map)) {
    throw new TorchCheckpointError(
      `${source}: the checkpoint holds ${
        describePickleValue(root)
      }, not a state dict (a dict of tensors).`,
    );
  }
  const tensors = new Map<string, TensorRef>();
  for (const [key, value] of root) {
    if (typeof key === "string" && value instanceof TensorRef) tensors.set(key, value);
  }
  if (tensors.size === 0) {
    for (const nested of ["state_dict", "model"]) {
      if (root.get(nested) instanceof Map) return stateDict(root.get(nested), source);
    }
    const keys = [...root.keys()].slice(0, 8).map(String).join(", ");
    throw new TorchCheckpointError(
      `${source}: the checkpoint's dict holds no tensors (keys: ${keys}); save ` +
        "`model.state_dict()` instead.",
    );
  }
  return tensors;
}

/**
 * Reads a checkpoint already in memory. `source` names the file in errors. Non-tensor entries of
 * the state dict (e.g. an `epoch` number) are ignored; integer tensors follow
 * `options.integers` (see {@link ReadWeightsOptions}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTorchCheckpoint, TorchCheckpointError } from "./mod.ts";
 * assert.throws(
 *   () => parseTorchCheckpoint(new TextEncoder().encode("not a checkpoint"), "x.bin"),
 *   TorchCheckpointError,
 * );
 * ```
 */
export function parseTorchCheckpoint(
  bytes: Uint8Array,
  source = "pytorch_model.bin",
  options: ReadWeightsOptions = {},
): WeightMap {
  const format = detectCheckpointFormat(bytes);
  let root: unknown;
  try {
    if (format === "zip") root = parseZipCheckpoint(bytes, source);
    else if (format === "legacy") root = parseLegacyCheckpoint(bytes, source);
    else if (format === "tar") {
      throw new TorchCheckpointError(
        `${source}: is a tar checkpoint of PyTorch < 0.4, which the kit does not read; ` +
          "re-save it with a newer torch (torch.save(torch.load(path), path)) or as safetensors.",
      );
    } else {
      const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new TorchCheckpointError(
        `${source}: is neither a zip nor a legacy PyTorch checkpoint (first bytes: ${head}); ` +
          "check the file (a .safetensors file is read with readSafetensors).",
      );
    }
  } catch (error) {
    if (error instanceof PickleError) {
      throw new TorchCheckpointError(
        `${error.message} The checkpoint cannot be read: download it again.`,
        { cause: error },
      );
    }
    throw error;
  }
  const tensors = stateDict(root, source);
  for (const tensor of tensors.values()) tensor.storage.uses++;
  const weights: WeightMap = new Map();
  for (const [name, tensor] of tensors) {
    const weight = materializeTensor(tensor, { source, name }, options);
    if (weight) weights.set(name, weight);
  }
  return weights;
}

/**
 * Reads `pytorch_model.bin` (zip or legacy serialization) into a {@link WeightMap}. The file is
 * read once; float32 storages of zip checkpoints become tensors without a further copy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTorchCheckpoint, TorchCheckpointError } from "./mod.ts";
 * await assert.rejects(readTorchCheckpoint("no/such/pytorch_model.bin"), TorchCheckpointError);
 * ```
 */
export async function readTorchCheckpoint(
  path: string,
  options: ReadWeightsOptions = {},
): Promise<WeightMap> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new TorchCheckpointError(
      `${path}: cannot be read (${(error as Error).message}); check the path.`,
      { cause: error },
    );
  }
  return parseTorchCheckpoint(bytes, path, options);
}
