/**
 * The allow-list of Python globals a PyTorch state-dict pickle may name. Everything else —
 * `os.system`, `builtins.eval`, `subprocess.Popen`, pickled `nn.Module` classes, numpy arrays —
 * is refused with `UnsafePickleError` before anything is built.
 *
 * @module
 */
import type { DType } from "./dtype.ts";
import { describePickleValue, PyCallable } from "./unpickler.ts";
import { StorageRef, TensorRef } from "./tensor_ref.ts";
import { PickleError } from "./errors.ts";

/** A `torch.*Storage` class named in a persistent id; only its element type matters. */
export class StorageType {
  constructor(readonly name: string, readonly dtype: DType) {}
}

/** A `torch.float32`-style dtype object (argument of `_rebuild_tensor_v3`). */
export class TorchDType {
  constructor(readonly name: string, readonly dtype: DType) {}
}

/** `torch.<Name>Storage` → element type. */
export const STORAGE_TYPES: Readonly<Record<string, DType>> = {
  DoubleStorage: "F64",
  FloatStorage: "F32",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
  UntypedStorage: "U8",
};

/** `torch.<name>` dtype objects → element type. */
export const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  float64: "F64",
  double: "F64",
  float32: "F32",
  float: "F32",
  float16: "F16",
  half: "F16",
  bfloat16: "BF16",
  float8_e4m3fn: "F8_E4M3",
  float8_e5m2: "F8_E5M2",
  int64: "I64",
  long: "I64",
  int32: "I32",
  int: "I32",
  int16: "I16",
  short: "I16",
  int8: "I8",
  uint8: "U8",
  bool: "BOOL",
};

function int(value: unknown, what: string, fn: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new PickleError(
      `${fn}: ${what} is ${describePickleValue(value)}, not a non-negative integer.`,
    );
  }
  return value;
}

function ints(value: unknown, what: string, fn: string): number[] {
  if (!Array.isArray(value)) {
    throw new PickleError(
      `${fn}: ${what} is ${describePickleValue(value)}, not a tuple of integers.`,
    );
  }
  return value.map((v, i) => int(v, `${what}[${i}]`, fn));
}

function rebuildTensor(fn: string, args: unknown[], dtype?: unknown): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) {
    throw new PickleError(
      `${fn}: storage is ${describePickleValue(storage)}, not a tensor storage.`,
    );
  }
  const shape = ints(size, "size", fn);
  const strides = ints(stride, "stride", fn);
  if (shape.length !== strides.length) {
    throw new PickleError(`${fn}: size has ${shape.length} dims but stride ${strides.length}.`);
  }
  if (dtype !== undefined && !(dtype instanceof TorchDType)) {
    throw new PickleError(`${fn}: dtype is ${describePickleValue(dtype)}, not a torch dtype.`);
  }
  return new TensorRef(storage, int(offset, "storage_offset", fn), shape, strides, dtype?.dtype);
}

function parameter(fn: string, args: unknown[]): TensorRef {
  if (!(args[0] instanceof TensorRef)) {
    throw new PickleError(`${fn}: data is ${describePickleValue(args[0])}, not a tensor.`);
  }
  return args[0];
}

const orderedDict = new PyCallable(
  "collections.OrderedDict",
  (args) => {
    const map = new Map<unknown, unknown>();
    if (args.length === 0) return map;
    if (args.length === 1 && Array.isArray(args[0])) {
      for (const pair of args[0]) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new PickleError("collections.OrderedDict: items must be (key, value) pairs.");
        }
        map.set(pair[0], pair[1]);
      }
      return map;
    }
    throw new PickleError(`collections.OrderedDict: unexpected arguments (${args.length}).`);
  },
  // state_dict() attaches `_metadata` (per-module versions); it carries no weights.
  () => {},
);

const rebuilders: Record<string, PyCallable> = {
  _rebuild_tensor: new PyCallable(
    "torch._utils._rebuild_tensor",
    (a) => rebuildTensor("_rebuild_tensor", a),
  ),
  _rebuild_tensor_v2: new PyCallable(
    "torch._utils._rebuild_tensor_v2",
    (a) => rebuildTensor("_rebuild_tensor_v2", a),
  ),
  _rebuild_tensor_v3: new PyCallable(
    "torch._utils._rebuild_tensor_v3",
    (a) => rebuildTensor("_rebuild_tensor_v3", a, a[6]),
  ),
  _rebuild_parameter: new PyCallable(
    "torch._utils._rebuild_parameter",
    (a) => parameter("_rebuild_parameter", a),
  ),
  _rebuild_parameter_with_state: new PyCallable(
    "torch._utils._rebuild_parameter_with_state",
    (a) => parameter("_rebuild_parameter_with_state", a),
  ),
};

/**
 * The `findClass` of a PyTorch state-dict pickle: returns the stand-in for an allowed global
 * (`collections.OrderedDict`, `torch._utils._rebuild_tensor[_v2|_v3]`,
 * `torch._utils._rebuild_parameter[_with_state]`, `torch.<T>Storage`, `torch.<dtype>`) or
 * `undefined`, which makes the unpickler refuse it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { torchFindClass } from "./allowlist.ts";
 * assert.notEqual(torchFindClass("torch", "FloatStorage"), undefined);
 * assert.equal(torchFindClass("os", "system"), undefined);
 * assert.equal(torchFindClass("builtins", "eval"), undefined);
 * ```
 */
export function torchFindClass(module: string, name: string): unknown {
  if (module === "collections" && name === "OrderedDict") return orderedDict;
  if (module === "torch._utils" && Object.hasOwn(rebuilders, name)) return rebuilders[name];
  if (module === "torch" || (module === "torch.storage" && name === "UntypedStorage")) {
    if (Object.hasOwn(STORAGE_TYPES, name)) return new StorageType(name, STORAGE_TYPES[name]);
    if (module === "torch" && Object.hasOwn(TORCH_DTYPES, name)) {
      return new TorchDType(name, TORCH_DTYPES[name]);
    }
  }
  return undefined;
}
