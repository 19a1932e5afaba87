/**
 * The objects a checkpoint pickle builds: storages (raw bytes of one dtype, filled in by the
 * container format) and tensors (a strided window onto a storage), and their conversion into a
 * float32 {@link WeightTensor}.
 *
 * @module
 */
import type { WeightTensor } from "../weights.ts";
import { elementCount } from "../weights.ts";
import {
  byteswap,
  type DType,
  DTYPE_SIZES,
  DTypeConversionError,
  isIntegerDType,
  type ReadWeightsOptions,
  toFloat32,
} from "./dtype.ts";
import { TorchCheckpointError } from "./errors.ts";

/** One PyTorch storage: a flat run of `numel` elements of `dtype`. */
export class StorageRef {
  /** The raw little-endian bytes, set by the container reader (legacy: after the pickle). */
  bytes?: Uint8Array;
  /** True when `bytes` is a buffer of its own that a float32 tensor may take over uncopied. */
  owned = false;
  /** True when the bytes are big-endian (a checkpoint written on a big-endian machine). */
  bigEndian = false;
  /** How many tensors of the state dict use this storage (set while collecting). */
  uses = 0;
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    /** Legacy view storages: a window of `numel` elements from `offset` of `root`. */
    readonly view?: { root: StorageRef; offset: number },
  ) {}

  /** The storage's bytes, or a {@link TorchCheckpointError} naming what is missing. */
  data(source: string): Uint8Array {
    if (this.view) {
      const { root, offset } = this.view;
      const size = DTYPE_SIZES[this.dtype];
      const all = root.data(source);
      if ((offset + this.numel) * size > all.length) {
        throw new TorchCheckpointError(
          `${source}: storage view ${this.key} reaches past the end of storage ${root.key}; ` +
            "the file is corrupt.",
        );
      }
      return all.subarray(offset * size, (offset + this.numel) * size);
    }
    if (!this.bytes) {
      throw new TorchCheckpointError(
        `${source}: storage ${this.key} is used by a tensor but its data is missing; the file ` +
          "is truncated or corrupt: download it again.",
      );
    }
    return this.bytes;
  }
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    /** Offset into the storage, in elements. */
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    /** Element type when it differs from the storage's (`_rebuild_tensor_v3`). */
    readonly dtype: DType = storage.dtype,
  ) {}
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Copies a strided tensor out of `flat` (its storage span as float32, starting at its offset). */
function gather(
  flat: Float32Array,
  shape: number[],
  stride: number[],
  count: number,
): Float32Array {
  const out = new Float32Array(count);
  const nd = shape.length;
  const index = new Array<number>(nd).fill(0);
  let src = 0;
  for (let i = 0; i < count; i++) {
    out[i] = flat[src];
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      src += stride[d];
      if (index[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Converts a {@link TensorRef} to a float32 {@link WeightTensor} in row-major order, gathering
 * non-contiguous (e.g. transposed) tensors. Returns `undefined` for an integer tensor when
 * `options.integers` is `"skip"`. `where` names the file and tensor in errors.
 */
export function materializeTensor(
  tensor: TensorRef,
  where: { source: string; name: string },
  options: ReadWeightsOptions = {},
): WeightTensor | undefined {
  const { storage, offset, shape, stride, dtype } = tensor;
  const label = `${where.source}: tensor ${where.name}`;
  if (isIntegerDType(dtype) && options.integers === "skip") return undefined;
  const size = DTYPE_SIZES[dtype];
  let bytes = storage.data(where.source);
  const count = elementCount(shape);
  if (count === 0) return { shape: [...shape], data: new Float32Array(0) };
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  const capacity = Math.floor(bytes.length / size);
  if (last >= capacity) {
    throw new TorchCheckpointError(
      `${label} (shape [${shape}], stride [${stride}], offset ${offset}) reaches element ` +
        `${last} of storage ${storage.key}, which holds ${capacity}; the file is truncated or ` +
        "corrupt: download it again.",
    );
  }
  const span = last - offset + 1;
  bytes = bytes.subarray(offset * size, (last + 1) * size);
  let fresh = false;
  if (storage.bigEndian && size > 1) {
    bytes = byteswap(bytes, size);
    fresh = true;
  }
  const contiguous = isContiguous(shape, stride);
  // A float32 tensor that is the sole, full, contiguous user of an owned buffer takes it over.
  const takeOver = fresh ||
    (storage.owned && storage.uses === 1 && contiguous && offset === 0 &&
      span * size === storage.data(where.source).length);
  try {
    if (contiguous) {
      return { shape: [...shape], data: toFloat32(bytes, dtype, count, { copy: !takeOver }) };
    }
    const flat = toFloat32(bytes, dtype, span, { copy: false });
    return { shape: [...shape], data: gather(flat, shape, stride, count) };
  } catch (error) {
    if (error instanceof DTypeConversionError) {
      throw new TorchCheckpointError(`${label} (${dtype}): ${error.message}`, { cause: error });
    }
    throw error;
  }
}
