/**
 * A pickle interpreter (protocols 0–5) that never runs code: every Python global a pickle names
 * goes through a caller-supplied allow-list (`findClass`), and calls (`REDUCE`, `NEWOBJ`, `INST`,
 * `OBJ`) can only reach the {@link PyCallable}s that allow-list returned. With no allow-list, every
 * global is refused with {@link UnsafePickleError}.
 *
 * Python values map to JavaScript as: `None` → `null`, `bool` → boolean, `int` → number (bigint
 * beyond ±2^53), `float` → number, `str` → string, `bytes`/`bytearray` → Uint8Array,
 * `tuple`/`list` → array, `dict` → Map, `set`/`frozenset` → Set.
 *
 * @module
 */
import { PickleError, UnsafePickleError } from "./errors.ts";

/** A Python callable the allow-list exposes; the only thing `REDUCE`/`NEWOBJ` may call. */
export class PyCallable {
  constructor(
    /** `module.name`, for error messages. */
    readonly qualifiedName: string,
    /** Receives the positional arguments; returns the built object. */
    readonly call: (args: unknown[]) => unknown,
    /** Receives the state of a `BUILD` on an object this callable made; default: refuse. */
    readonly build?: (target: unknown, state: unknown) => void,
  ) {}
}

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** Names the file in error messages (default `"pickle"`). */
  source?: string;
  /** Byte position where the pickle starts (default 0). */
  offset?: number;
  /**
   * Resolves a `GLOBAL`/`STACK_GLOBAL`/`INST` reference. Return the value to push (usually a
   * {@link PyCallable}) or `undefined` to refuse it with {@link UnsafePickleError}. Default: refuse
   * every global.
   */
  findClass?: (module: string, name: string) => unknown;
  /** Resolves a persistent id (`PERSID`/`BINPERSID`); default: refuse with {@link PickleError}. */
  persistentLoad?: (pid: unknown) => unknown;
}

/** What {@link unpickle} returns. */
export interface UnpickleResult {
  value: unknown;
  /** Byte position just after the `STOP` opcode (where a following pickle would start). */
  end: number;
}

const utf8 = new TextDecoder("utf-8");
const latin1 = new TextDecoder("latin1");

/** Which allowed callable made each object, so `BUILD` can ask it (see {@link PyCallable}). */
const builtBy = new WeakMap<object, PyCallable>();

/** Reads opcodes and their arguments from a byte array, with bounds checks. */
class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, readonly source: string, start: number) {
    this.pos = start;
  }
  fail(message: string, at = this.pos): never {
    throw new PickleError(`${this.source}: byte ${at}: ${message}`);
  }
  take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`the pickle needs ${n} more bytes but the file ends; it is truncated or corrupt.`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0];
  }
  uint(n: 2 | 4 | 8): number {
    const b = this.take(n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
    if (!Number.isSafeInteger(v)) this.fail(`length ${v} is out of range.`);
    return v;
  }
  int32(): number {
    const b = this.take(4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24));
  }
  float64be(): number {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, false);
  }
  line(): string {
    const nl = this.bytes.indexOf(0x0a, this.pos);
    if (nl < 0) this.fail("a text argument has no terminating newline; the file is truncated.");
    const text = latin1.decode(this.bytes.subarray(this.pos, nl));
    this.pos = nl + 1;
    return text;
  }
}

/** Two's-complement little-endian integer (LONG1/LONG4) as number or bigint. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return narrow(v);
}

function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/** Decodes the Python-repr argument of protocol-0 `STRING` (`'abc'` with backslash escapes). */
function decodeQuoted(text: string, r: Reader): string {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) {
    r.fail(`STRING argument ${JSON.stringify(text)} is not quoted.`);
  }
  const body = text.slice(1, -1);
  const simple: Record<string, string> = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    n: "\n",
    r: "\r",
    t: "\t",
    a: "\x07",
    b: "\b",
    f: "\f",
    v: "\v",
    "0": "\0",
  };
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, esc: string) => {
    if (esc[0] === "x" && esc.length === 3) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return simple[esc] ?? `\\${esc}`;
  });
}

function textInt(text: string, r: Reader): number | bigint | boolean {
  if (text === "00") return false;
  if (text === "01") return true;
  const digits = text.endsWith("L") ? text.slice(0, -1) : text;
  if (!/^[+-]?\d+$/.test(digits)) r.fail(`integer argument ${JSON.stringify(text)} is malformed.`);
  return narrow(BigInt(digits));
}

/**
 * Interprets one pickle from `bytes` and returns the value it builds. Nothing is executed: globals
 * resolve only through `options.findClass`, and the result is plain JavaScript data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unpickle, UnsafePickleError } from "./mod.ts";
 * // pickle.dumps({"a": [1, 2.5, None]}, protocol=2)
 * const bytes = new Uint8Array([
 *   0x80, 2, 0x7d, 0x71, 0, 0x58, 1, 0, 0, 0, 0x61, 0x71, 1, 0x5d, 0x71, 2, 0x28, 0x4b, 1,
 *   0x47, 0x40, 4, 0, 0, 0, 0, 0, 0, 0x4e, 0x65, 0x73, 0x2e,
 * ]);
 * assert.deepEqual(unpickle(bytes).value, new Map([["a", [1, 2.5, null]]]));
 * // the classic exploit: cos\nsystem\n(S'echo hi'\ntR.
 * const evil = new TextEncoder().encode("cos\nsystem\n(S'echo hi'\ntR.");
 * assert.throws(() => unpickle(evil, { source: "evil.pkl" }), UnsafePickleError);
 * ```
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): UnpickleResult {
  const source = options.source ?? "pickle";
  const r: Reader = new Reader(bytes, source, options.offset ?? 0);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();

  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) {
      r.fail("the pickle pops from an empty stack; it is corrupt.");
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) {
      r.fail("the pickle reads an empty stack; it is corrupt.");
    }
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) r.fail("the pickle closes a MARK it never opened; it is corrupt.");
    return stack.splice(m);
  };
  const resolve = (module: string, name: string, at: number): unknown => {
    const found = options.findClass?.(module, name);
    if (found === undefined) throw new UnsafePickleError(`${module}.${name}`, source, at);
    return found;
  };
  const call = (fn: unknown, args: unknown, at: number, opname: string): unknown => {
    if (!(fn instanceof PyCallable)) {
      r.fail(`${opname} calls ${describePickleValue(fn)}, which is not an allowed callable.`, at);
    }
    if (!Array.isArray(args)) {
      r.fail(`${opname} arguments are ${describePickleValue(args)}, not a tuple.`, at);
    }
    let value: unknown;
    try {
      value = fn.call(args);
    } catch (error) {
      if (error instanceof PickleError) {
        throw new PickleError(`${source}: byte ${at}: ${error.message}`, { cause: error });
      }
      throw error;
    }
    if (value !== null && typeof value === "object") builtBy.set(value, fn);
    return value;
  };
  const getMemo = (index: number, at: number): unknown => {
    if (!memo.has(index)) r.fail(`memo entry ${index} is read before it is written.`, at);
    return memo.get(index);
  };
  const asMap = (target: unknown, at: number): Map<unknown, unknown> => {
    if (!(target instanceof Map)) {
      r.fail(`SETITEM on ${describePickleValue(target)}, not a dict.`, at);
    }
    return target;
  };
  const asList = (target: unknown, at: number): unknown[] => {
    if (!Array.isArray(target)) r.fail(`APPEND on ${describePickleValue(target)}, not a list.`, at);
    return target;
  };

  for (;;) {
    const at = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: { // PROTO
        const version = r.u8();
        if (version > 5) r.fail(`pickle protocol ${version} is newer than 5.`, at);
        break;
      }
      case 0x95: // FRAME: frames only group opcodes; the data follows inline
        r.uint(8);
        break;
      case 0x2e: { // STOP
        if (marks.length) r.fail("STOP inside an open MARK; the pickle is corrupt.", at);
        const value = pop();
        return { value, end: r.pos };
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      // --- constants and numbers
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(r.int32());
        break;
      case 0x4b: // BININT1
        stack.push(r.u8());
        break;
      case 0x4d: // BININT2
        stack.push(r.uint(2));
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(r.take(r.u8())));
        break;
      case 0x8b: { // LONG4
        const n = r.int32();
        if (n < 0) r.fail(`LONG4 length ${n} is negative.`, at);
        stack.push(decodeLong(r.take(n)));
        break;
      }
      case 0x49: // INT
      case 0x4c: // LONG
        stack.push(textInt(r.line(), r));
        break;
      case 0x47: // BINFLOAT
        stack.push(r.float64be());
        break;
      case 0x46: { // FLOAT
        const text = r.line();
        const value = Number(text);
        if (Number.isNaN(value) && !/^[+-]?nan$/i.test(text)) {
          r.fail(`FLOAT argument ${JSON.stringify(text)} is malformed.`, at);
        }
        stack.push(value);
        break;
      }
      // --- strings and bytes
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(r.take(r.uint(4))));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(r.take(r.u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(r.take(r.uint(8))));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(
          r.line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
        );
        break;
      case 0x54: { // BINSTRING (Python 2 str)
        const n = r.int32();
        if (n < 0) r.fail(`BINSTRING length ${n} is negative.`, at);
        stack.push(utf8.decode(r.take(n)));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(utf8.decode(r.take(r.u8())));
        break;
      case 0x53: // STRING
        stack.push(decodeQuoted(r.line(), r));
        break;
      case 0x42: // BINBYTES
        stack.push(r.take(r.uint(4)).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(r.take(r.u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(r.take(r.uint(8)).slice());
        break;
      // --- containers
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) r.fail("DICT has an odd number of items.", at);
        const map = new Map();
        for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
        stack.push(map);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        asList(top(), at).push(value);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = asList(top(), at);
        for (const item of items) list.push(item);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        asMap(top(), at).set(key, value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) r.fail("SETITEMS has an odd number of items.", at);
        const map = asMap(top(), at);
        for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark();
        const target = top();
        if (!(target instanceof Set)) {
          r.fail(`ADDITEMS on ${describePickleValue(target)}, not a set.`, at);
        }
        for (const item of items) target.add(item);
        break;
      }
      // --- memo
      case 0x71: // BINPUT
        memo.set(r.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.uint(4), top());
        break;
      case 0x70: // PUT
        memo.set(Number(textInt(r.line(), r)), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(getMemo(r.u8(), at));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(getMemo(r.uint(4), at));
        break;
      case 0x67: // GET
        stack.push(getMemo(Number(textInt(r.line(), r)), at));
        break;
      // --- globals and calls (allow-list only)
      case 0x63: { // GLOBAL
        const module = r.line();
        const name = r.line();
        stack.push(resolve(module, name, at));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          r.fail("STACK_GLOBAL needs two strings.", at);
        }
        stack.push(resolve(module, name, at));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, at, "REDUCE"));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, at, "NEWOBJ"));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size) {
          r.fail("NEWOBJ_EX with keyword arguments is not supported.", at);
        }
        stack.push(call(cls, args, at, "NEWOBJ_EX"));
        break;
      }
      case 0x69: { // INST
        const module = r.line();
        const name = r.line();
        const cls = resolve(module, name, at);
        stack.push(call(cls, popMark(), at, "INST"));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        if (items.length === 0) r.fail("OBJ without a class.", at);
        stack.push(call(items[0], items.slice(1), at, "OBJ"));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        const maker = target !== null && typeof target === "object"
          ? builtBy.get(target)
          : undefined;
        if (!maker?.build) {
          r.fail(
            `BUILD (setting object state) on ${describePickleValue(target)} is not allowed.`,
            at,
          );
        }
        maker.build(target, state);
        break;
      }
      case 0x50: // PERSID
      case 0x51: { // BINPERSID
        const pid = op === 0x50 ? r.line() : pop();
        if (!options.persistentLoad) {
          r.fail("the pickle refers to external data (a persistent id) nobody can load.", at);
        }
        stack.push(options.persistentLoad(pid));
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        r.fail(
          "the pickle uses the copyreg extension registry (EXT1/2/4), which is refused: " +
            "it names globals by number and cannot be checked against the allow-list.",
          at,
        );
        break;
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        r.fail("the pickle uses out-of-band buffers (protocol 5), which are not supported.", at);
        break;
      default:
        r.fail(
          `unknown pickle opcode 0x${op.toString(16).padStart(2, "0")}; the file is corrupt ` +
            "or not a pickle.",
          at,
        );
    }
  }
}

/** A short description of a value for error messages. */
export function describePickleValue(value: unknown): string {
  if (value === null) return "None";
  if (value instanceof PyCallable) return value.qualifiedName;
  if (value instanceof Map) return "a dict";
  if (value instanceof Set) return "a set";
  if (Array.isArray(value)) return `a tuple/list of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
