import assert from "node:assert/strict";
import {
  boxMuller,
  createRng,
  mixSeed,
  mulberry32,
  Rng,
  type RngState,
  RngStateError,
  xorshift32,
} from "./mod.ts";

Deno.test("the streams are pinned: these values define models, batches and fixtures", () => {
  const rng = createRng(0);
  assert.equal(rng.next(), 0.9791452463250607);
  assert.equal(rng.next(), 0.8250711336731911);
  // The high 32 bits fold into the low ones: 2^32 seeds like 1.
  assert.equal(createRng(2 ** 32).next(), createRng(1).next());
  assert.equal(createRng(1).next(), 0.4256499295588583);
  assert.equal(xorshift32(7)(), 0.00044065131805837154);
  assert.equal(mulberry32(7)(), 0.011704753153026104);
});

Deno.test("normal draws have mean 0 and variance 1; fillNormal scales the same pairs", () => {
  const rng = createRng(11);
  const xs = Array.from({ length: 100_000 }, () => rng.normal());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  const filled = new Float64Array(7);
  createRng(11).fillNormal(filled);
  assert.deepEqual(Array.from(filled), xs.slice(0, 7));
  const scaled = new Float64Array(7);
  createRng(11).fillNormal(scaled, 0.5);
  scaled.forEach((v, i) => assert.ok(Math.abs(v - 0.5 * filled[i]) < 1e-15));
  const random = xorshift32(3);
  const bm = Array.from({ length: 50_000 }, () => boxMuller(random));
  const bmMean = bm.reduce((s, x) => s + x, 0) / bm.length;
  assert.ok(Math.abs(bmMean) < 0.02, `Box–Muller mean ${bmMean}`);
});

Deno.test("int, sample and shuffle stay in range and draw each value about equally", () => {
  const rng = createRng(5);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(10)]++;
  for (const c of counts) assert.ok(Math.abs(c - 5000) < 300, `count ${c}`);
  const items = [1, 2, 3, 4, 5, 6, 7, 8];
  const shuffled = rng.shuffle(items);
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual([...shuffled].sort((a, b) => a - b), items);
  assert.equal(new Set(rng.sample(items, 5)).size, 5);
  assert.equal(rng.sample(items, 20).length, 8);
  assert.ok(items.includes(rng.pick(items)));
});

// Recorded from the two generators this file's Rng replaced (lib/random's createRng closure and
// lib/train's Rng class), before the merge: the streams must stay bit-identical.
const u32s = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.next() * 2 ** 32);

Deno.test("createRng streams are the ones recorded before the merge", () => {
  const recorded: [number, number[]][] = [
    [0, [4205396811, 3543653536, 1222415357, 3047368389]],
    [1, [1828152527, 3394835397, 2967886022, 2251045104]],
    [-7, [4242807802, 94534278, 4146784098, 1748471413]],
    [2 ** 32 + 5, [192301540, 3536278370, 3164947212, 2564667842]],
    [123456789012, [159602546, 3324789060, 2117758834, 1373626686]],
    [3.5, [1769043412, 2578613319, 2429953066, 1410139704]],
  ];
  for (const [seed, words] of recorded) {
    assert.deepEqual(u32s(createRng(seed), 4), words, `${seed}`);
  }
  const rng = createRng(42);
  assert.deepEqual([rng.int(10), rng.int(1000), rng.int(7)], [2, 585, 0]);
  assert.deepEqual(
    [rng.normal(), rng.normal(), rng.normal()],
    [-1.3806359505213044, -0.2423698677865637, 0.25111396240737255],
  );
  assert.equal(rng.pick(["a", "b", "c", "d", "e"]), "e");
  assert.deepEqual(rng.sample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), [4, 9, 3, 8]);
  assert.deepEqual(rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7]), [2, 7, 4, 1, 3, 5, 0, 6]);
  assert.equal(rng.next() * 2 ** 32, 266627234);
  const f32 = new Float32Array(5);
  createRng(3).fillNormal(f32, 0.02);
  assert.deepEqual(Array.from(f32), [
    -0.030317161232233047,
    0.034538157284259796,
    0.014313307590782642,
    -0.03736273571848869,
    -0.03883378952741623,
  ]);
  const f64 = new Float64Array(3);
  createRng(3).fillNormal(f64);
  assert.deepEqual(Array.from(f64), [-1.5158580764225469, 1.7269077957417442, 0.7156653659691297]);
});

Deno.test("new Rng(...parts), mixSeed and states are the ones recorded before the merge", () => {
  assert.deepEqual(
    [
      mixSeed(),
      mixSeed(0),
      mixSeed(42),
      mixSeed(-1),
      mixSeed(2 ** 40 + 3),
      mixSeed(7, 0x73687566, 3),
      mixSeed(7, 0x64726f70, 120),
      mixSeed(3, 7),
      mixSeed(7, 3),
    ],
    [
      2166136261,
      1890118254,
      367457383,
      1890118254,
      63798377,
      4090161907,
      1815824059,
      3055865502,
      195980915,
    ],
  );
  const recorded: [number[], RngState, number[]][] = [
    [[42], [1060400179, 210341215, 3133405650, 4012900925], [
      988675023,
      2359530553,
      2672538243,
      3633604480,
    ]],
    [[0, 0x64726f70], [3204269950, 3901021761, 3978810445, 2999792133], [
      1515149252,
      4062463209,
      227498563,
      2437612975,
    ]],
    [[7, 0x73687566, 3], [2098536312, 2575355313, 2145444622, 800599942], [
      1179524271,
      1215051996,
      2543818542,
      2317199724,
    ]],
    [[5], [679147557, 423012321, 4230093051, 3884909455], [
      692102037,
      3724288277,
      1403839436,
      390335390,
    ]],
    [[], [164558732, 2036735458, 3926833134, 3904029249], [
      1810356143,
      2626807948,
      3678002517,
      3617652810,
    ]],
  ];
  for (const [parts, state, words] of recorded) {
    const rng = new Rng(...parts);
    assert.deepEqual(rng.state(), state, `${parts}`);
    assert.deepEqual(Array.from({ length: 4 }, () => rng.nextUint32()), words, `${parts}`);
  }
  const rng = new Rng(9);
  rng.next();
  rng.int(100);
  // The old class could report a word as a negative int32; the same word is now reported unsigned.
  const oldState: RngState = [-256349566, 2083747101, 2282703042, 3708090442];
  assert.deepEqual(rng.state(), oldState.map((w) => w >>> 0));
  assert.deepEqual(Rng.fromState(oldState).state(), rng.state());
  assert.deepEqual(rng.shuffleInPlace([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [
    7,
    9,
    8,
    5,
    4,
    6,
    3,
    0,
    1,
    2,
  ]);
  assert.deepEqual(rng.state(), [1849367910, 1024998966, 1456376014, 3708090451]);
  const restored = Rng.fromState([1, 2, 3, 4]);
  assert.deepEqual([restored.nextUint32(), restored.nextUint32(), restored.nextUint32()], [
    7,
    34,
    56623200,
  ]);
  assert.deepEqual(restored.state(), [56733759, 132148530, 2275417185, 7]);
  const wrapped = Rng.fromState([-1, 2 ** 32 + 1, 3, 4]);
  assert.deepEqual(wrapped.state(), [4294967295, 1, 3, 4]);
  assert.equal(wrapped.nextUint32(), 4);
});

Deno.test("a state stored as JSON continues the same stream, for both seedings", () => {
  for (const rng of [new Rng(3, 1), createRng(3)]) {
    rng.next();
    rng.normal();
    rng.normal(); // The pair is used up: nothing pending.
    const saved: RngState = JSON.parse(JSON.stringify(rng.state()));
    assert.equal(saved.length, 4);
    assert.ok(saved.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32));
    const resumed = Rng.fromState(saved);
    assert.deepEqual(u32s(resumed, 50), u32s(rng, 50));
    assert.deepEqual([resumed.normal(), resumed.int(9)], [rng.normal(), rng.int(9)]);
  }
});

Deno.test("state() refuses while a normal pair's second value is pending; fromState checks the length", () => {
  const rng = createRng(8);
  rng.normal();
  assert.throws(() => rng.state(), RngStateError);
  rng.normal();
  assert.equal(rng.state().length, 4);
  assert.throws(() => Rng.fromState([1, 2, 3] as unknown as RngState), RangeError);
});

Deno.test("shuffleInPlace permutes the array it is given; shuffle leaves it alone", () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const copy = createRng(2).shuffle(items);
  assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i));
  const same = new Rng(2).shuffleInPlace(items);
  assert.equal(same, items);
  const sorted = Array.from({ length: 20 }, (_, i) => i);
  assert.notDeepEqual(items, sorted);
  assert.deepEqual([...items].sort((a, b) => a - b), sorted);
  assert.deepEqual([...copy].sort((a, b) => a - b), sorted);
  assert.deepEqual(new Rng(2).shuffleInPlace([]), []);
  assert.deepEqual(new Rng(2).shuffleInPlace([5]), [5]);
});
