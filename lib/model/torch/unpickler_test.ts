import assert from "node:assert/strict";
import { PickleError, PyCallable, unpickle, UnsafePickleError } from "./mod.ts";

const hex = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));
const text = (s: string) => new TextEncoder().encode(s);

// Bytes below were produced by CPython 3.11 `pickle.dumps(obj, protocol=N)` for
// obj = {"a": [1, -2, 3.5, None, True, False], "b": (1, 2), "c": "héllo", "big": 2**70,
//        "neg": -(2**40), "t1": (7,), "t3": (1, 2, 3), "e": (), "m": 300, "n": 70000}
const PICKLES: Record<string, string> = {
  protocol0:
    "286470300a56610a70310a286c70320a49310a61492d320a6146332e350a614e614930310a614930300a617356620a70330a2849310a49320a7470340a7356630a70350a5668e96c6c6f0a70360a73566269670a70370a4c313138303539313632303731373431313330333432344c0a73566e65670a70380a4c2d313039393531313632373737364c0a735674310a70390a2849370a747031300a735674330a7031310a2849310a49320a49330a747031320a7356650a7031330a287473566d0a7031340a493330300a73566e0a7031350a4937303030300a732e",
  protocol1:
    "7d71002858010000006171015d7102284b014afeffffff47400c0000000000004e4930310a4930300a655801000000627103284b014b027471045801000000637105580600000068c3a96c6c6f7106580300000062696771074c313138303539313632303731373431313330333432344c0a58030000006e656771084c2d313039393531313632373737364c0a580200000074317109284b0774710a58020000007433710b284b014b024b0374710c580100000065710d2958010000006d710e4d2c0158010000006e710f4a70110100752e",
  protocol2:
    "80027d71002858010000006171015d7102284b014afeffffff47400c0000000000004e88896558010000006271034b014b028671045801000000637105580600000068c3a96c6c6f7106580300000062696771078a0900000000000000004058030000006e656771088a060000000000ff5802000000743171094b0785710a58020000007433710b4b014b024b0387710c580100000065710d2958010000006d710e4d2c0158010000006e710f4a70110100752e",
};

const EXPECTED = new Map<string, unknown>([
  ["a", [1, -2, 3.5, null, true, false]],
  ["b", [1, 2]],
  ["c", "héllo"],
  ["big", 2n ** 70n],
  ["neg", -(2 ** 40)],
  ["t1", [7]],
  ["t3", [1, 2, 3]],
  ["e", []],
  ["m", 300],
  ["n", 70000],
]);

for (const [name, bytes] of Object.entries(PICKLES)) {
  Deno.test(`unpickle: CPython ${name} pickle decodes to the same values`, () => {
    const { value, end } = unpickle(hex(bytes));
    assert.deepEqual(value, EXPECTED);
    assert.equal(end, bytes.length / 2);
  });
}

Deno.test("unpickle: protocol 4/5 framing, MEMOIZE, bytes and sets", () => {
  // pickle.dumps({... "bytes": b"\x00\xff", "s": {1}, ...}, protocol=5)
  const bytes = hex(
    "80059598000000000000007d94288c0161945d94284b014afeffffff47400c0000000000004e8889658c0162944b014b0286948c0163948c0668c3a96c6c6f948c03626967948a090000000000000000408c036e6567948a060000000000ff8c05627974657394430200ff948c027431944b0785948c027433944b014b024b0387948c016594298c0173948f94284b01908c016d944d2c018c016e944a70110100752e",
  );
  const value = unpickle(bytes).value as Map<string, unknown>;
  assert.deepEqual(value.get("bytes"), new Uint8Array([0, 255]));
  assert.deepEqual(value.get("s"), new Set([1]));
  assert.deepEqual(value.get("a"), [1, -2, 3.5, null, true, false]);
  assert.equal(value.get("big"), 2n ** 70n);
});

Deno.test("unpickle: memo shares one object between two references", () => {
  // shared = [1, 2]; pickle.dumps({"x": shared, "y": shared}, protocol=2)
  const value = unpickle(
    hex("80027d71002858010000007871015d7102284b014b026558010000007971036802752e"),
  )
    .value as Map<string, unknown[]>;
  assert.deepEqual(value.get("x"), [1, 2]);
  assert.equal(value.get("x"), value.get("y"));
});

Deno.test("unpickle: consecutive pickles are read from the returned end offset", () => {
  const bytes = hex("80024b052e" + "80024d2c012e");
  const first = unpickle(bytes);
  assert.equal(first.value, 5);
  assert.equal(unpickle(bytes, { offset: first.end }).value, 300);
});

Deno.test("unpickle: allowed callables are called with their arguments; OrderedDict", () => {
  // pickle.dumps(collections.OrderedDict([("x", 1)]), protocol=2)
  const bytes = hex(
    "800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710158010000007871024b01732e",
  );
  const calls: unknown[][] = [];
  const findClass = (module: string, name: string) =>
    module === "collections" && name === "OrderedDict"
      ? new PyCallable("collections.OrderedDict", (args) => {
        calls.push(args);
        return new Map();
      })
      : undefined;
  assert.deepEqual(unpickle(bytes, { findClass }).value, new Map([["x", 1]]));
  assert.deepEqual(calls, [[]]);
});

const MALICIOUS: [string, Uint8Array, string][] = [
  ["classic protocol 0 os.system", text("cos\nsystem\n(S'echo hi'\ntR."), "os.system"],
  [
    "protocol 2 os.system (as CPython writes it: posix.system)",
    hex("800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e"),
    "posix.system",
  ],
  [
    "protocol 4 builtins.eval through STACK_GLOBAL",
    hex(
      "8004951f000000000000008c086275696c74696e73948c046576616c9493948c03312b3194859452942e",
    ),
    "builtins.eval",
  ],
  [
    "protocol 2 subprocess.Popen",
    hex(
      "800263636f6d6d616e64730a506f70656e0a71005d71012858040000006563686f71025801000000787103658571045271052e",
    ),
    "commands.Popen",
  ],
  ["protocol 0 __builtin__.eval", text("c__builtin__\neval\np0\n."), "__builtin__.eval"],
  ["INST of os.system", text("(S'echo hi'\nios\nsystem\n."), "os.system"],
];

for (const [label, bytes, global] of MALICIOUS) {
  Deno.test(`unpickle refuses ${label} without running it`, () => {
    assert.throws(
      () => unpickle(bytes, { source: "evil.bin" }),
      (error: unknown) => {
        assert.ok(error instanceof UnsafePickleError);
        assert.equal(error.global, global);
        assert.match(error.message, /^evil\.bin: byte \d+: /);
        assert.match(error.message, new RegExp(global.replace(".", "\\.")));
        assert.match(error.message, /safetensors/);
        return true;
      },
    );
  });
}

Deno.test("unpickle: an allow-list that does not list a global still refuses it", () => {
  const findClass = (module: string) => module === "torch" ? "ok" : undefined;
  assert.throws(
    () => unpickle(text("cos\nsystem\n(S'echo hi'\ntR."), { findClass }),
    UnsafePickleError,
  );
});

Deno.test("unpickle: malformed streams raise PickleError naming the byte", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["truncated", hex("80025801000000"), /byte 7: .*truncated/],
    ["unknown opcode", hex("8002ff"), /byte 2: unknown pickle opcode 0xff/],
    ["memo read before write", hex("800268052e"), /memo entry 5/],
    ["REDUCE on a non-callable", hex("80024e29522e"), /REDUCE calls None/],
    ["BUILD on a plain dict", hex("80027d7d622e"), /BUILD .* not allowed/],
    ["pop from empty stack", hex("8002302e"), /empty stack/],
    ["persistent id without loader", hex("80024b01512e"), /persistent id/],
    ["no STOP", hex("80024b01"), /truncated/],
    ["SETITEM on a list", hex("80025d4b014b02732e"), /SETITEM on .* not a dict/],
  ];
  for (const [label, bytes, pattern] of cases) {
    assert.throws(
      () => unpickle(bytes, { source: "bad.pkl" }),
      (error: unknown) => {
        assert.ok(error instanceof PickleError, label);
        assert.match(error.message, /^bad\.pkl: /, label);
        assert.match(error.message, pattern, label);
        return true;
      },
    );
  }
});
