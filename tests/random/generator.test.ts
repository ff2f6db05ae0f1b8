import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Generator, type GeneratorState } from '../../src/random/generator.ts';
import { hex, assertF32 } from '../helpers/rng.ts';

/** The float32 nearest a decimal printed with 9 significant digits (round-trips binary32). */
const f = (xs: number[]) => hex(Float32Array.from(xs));

const FIX = JSON.parse(readFileSync(new URL('../fixtures/rng.json', import.meta.url), 'utf8'));
const nextInt = (g: Generator) => g.fillRandint(new Int32Array(1), 0, 2 ** 31 - 1)[0];

// ---- §9 test vectors -------------------------------------------------------------------------

test('generator: torch.rand(8), fresh gen 42 (§9)', () => {
  const g = new Generator().manualSeed(42);
  assert.equal(hex(g.fillRand(new Float32Array(8))),
    f([0.882269263, 0.915003955, 0.38286376, 0.959305644, 0.390448213, 0.600895345, 0.256572485, 0.793641329]));
});

test('generator: the five seed randn tensors from one generator, first 8 exact hex and last 2 (§9)', () => {
  const g = new Generator().manualSeed(42);
  const cases: [string, number, string[], number[]][] = [
    ['C', 27 * 10, ['3ff6a529', '3fbe5f53', '3f669567', 'c006c0db', '3f2dacd5', 'bf9e0591', 'bd306786', 'bfcd65ba'], [0.414592266, 1.15656316]],
    ['W1', 30 * 200, ['bdb442e0', '3eac8b08', '3f7929ca', 'bf81ee1a', 'bf0abb1c', 'bee1ce03', 'bea09283', 'be045b38'], [-0.789726973, -1.3833003]],
    ['b1', 200, ['bfb04307', '3f7ccb8a', 'bfd8138a', 'bf874059', 'beacd9bc', 'be8ec103', 'bec1ba7a', 'be6b2480'], [0.21831882, -0.614478707]],
    ['W2', 200 * 27, ['bf919320', '3f679614', '3e1158a2', '3fa88d90', '3ceaaf3a', 'bdbdcd38', 'beb6da8b', '3e7ee055'], [0.364179254, 0.492148936]],
    ['b2', 27, ['bf922b6c', 'bfb59e9d', '3f4f3d44', 'be908af1', '3e046e08', '3f88615b', 'be81da07', 'bf11d7ed'], [0.310208529, 1.42613709]],
  ];
  for (const [name, n, first, last] of cases) {
    const t = g.fillRandn(new Float32Array(n));
    assert.equal(hex(t.subarray(0, 8)), first, `${name} first 8`);
    assert.equal(hex(t.subarray(n - 2)), f(last), `${name} last 2`);
  }
  // §9: the first training batch, gen 42 after the five randn (11,961 u32 in).
  const ix = g.fillRandint(new Int32Array(32), 0, 182625);
  assert.equal(Array.from(ix), [25686, 14453, 157800, 158274, 125811, 113414, 152414, 95922, 77450, 108248, 116793,
    64565, 4104, 2653, 79605, 131161, 126133, 41057, 89270, 63308, 10143, 17089, 36859, 179589, 167043, 129256, 20915,
    56003, 51717, 95505, 79407, 130951]);
});

test('generator: the seed randn draws 11,961 u32 (§4.2)', () => {
  const g = new Generator().manualSeed(42);
  for (const n of [270, 6000, 200, 5400, 27]) g.fillRandn(new Float32Array(n));
  const ref = new Generator().manualSeed(42);
  for (let i = 0; i < 11961; i++) ref.random();
  assert.is(g.random(), ref.random());
});

test('generator: randint(0,182625,(8,)), fresh gen 42 (§9)', () => {
  const g = new Generator().manualSeed(42);
  assert.equal(Array.from(g.fillRandint(new Int32Array(8), 0, 182625)), [76542, 11942, 157126, 2164, 651, 135335, 41245, 127424]);
});

test('generator: exponential_(1) first 8, fresh gen 42 (§9)', () => {
  const g = new Generator().manualSeed(42);
  assert.equal(hex(g.fillExponential(new Float32Array(8))),
    f([0.0599140152, 0.064976126, 0.131916776, 0.0540129505, 0.746910691, 0.647762358, 3.10634422, 2.64159679]));
});

test('generator: randn(4) takes the numel < 16 path, fresh gen 42 (§9)', () => {
  const g = new Generator().manualSeed(42);
  assert.equal(hex(g.fillRandn(new Float32Array(4))), f([0.336690366, 0.128809407, 0.234462366, 0.23033303]));
});

test('generator: small-path cache persists across calls, is ignored by the fill path, cleared by manualSeed (§4.5)', () => {
  const whole = new Generator().manualSeed(42).fillRandn(new Float32Array(4));
  // randn(1) then randn(3): the second call starts with the cached sin value of the first pair.
  const g = new Generator().manualSeed(42);
  const a = g.fillRandn(new Float32Array(1));
  const b = g.fillRandn(new Float32Array(3));
  assert.equal([...hex(a), ...hex(b)], hex(whole));
  // A big fill between the two small calls neither uses nor clears the cache.
  const h = new Generator().manualSeed(42);
  h.fillRandn(new Float32Array(1));
  h.fillRandn(new Float32Array(32));
  assert.equal(hex(h.fillRandn(new Float32Array(1))), hex(whole.subarray(1, 2)));
  // manualSeed drops it: randn(1) after reseeding is the fresh first value again.
  const k = new Generator().manualSeed(42);
  k.fillRandn(new Float32Array(1));
  k.manualSeed(42);
  assert.equal(hex(k.fillRandn(new Float32Array(1))), hex(whole.subarray(0, 1)));
});

test('generator: getState/setState round trip continues the identical stream (incl. the cache)', () => {
  const g = new Generator().manualSeed(42);
  g.fillRandn(new Float32Array(270));
  g.fillRandn(new Float32Array(3)); // leaves a cached normal
  const state: GeneratorState = JSON.parse(JSON.stringify(g.getState()));
  assert.type(state.normal, 'number');
  const after = () => [hex(g.fillRandn(new Float32Array(5))), Array.from(g.fillRandint(new Int32Array(700), 0, 27)),
    hex(g.fillRandn(new Float32Array(40))), hex(g.fillExponential(new Float32Array(3)))];
  const want = after();
  const r = new Generator().manualSeed(1).setState(state);
  const gotR = [hex(r.fillRandn(new Float32Array(5))), Array.from(r.fillRandint(new Int32Array(700), 0, 27)),
    hex(r.fillRandn(new Float32Array(40))), hex(r.fillExponential(new Float32Array(3)))];
  assert.equal(gotR, want);
  assert.is(r.initialSeed(), 42n);
});

test('generator: AVX2 lane trace for the first block of C (§9)', () => {
  const out = new Generator().manualSeed(42).fillRandn(new Float32Array(16));
  // Lane 0 writes slots 0 and 8, lane 1 slots 1 and 9.
  assert.equal(hex(Float32Array.of(out[0], out[8], out[1], out[9])),
    f([1.9269152879714966, -0.7521352767944336, 1.4872840642929077, 1.6487230062484741]));
});

// ---- torch fixtures (tools/fixtures/rng.py) --------------------------------------------------

test('generator: manual_seed of large and negative seeds, initial_seed (fixture)', () => {
  for (const c of FIX.seeds) {
    const g = new Generator().manualSeed(BigInt(c.seed));
    assert.is(g.initialSeed().toString(), c.initial, `seed ${c.seed}`);
    assert.equal(Array.from(g.fillRandint(new Float64Array(4), 0, 2 ** 32 - 1)), c.u32, `seed ${c.seed}`);
  }
  assert.throws(() => new Generator().manualSeed(2n ** 64n), /outside/);
  // torch.Generator() unseeded: default_rng_seed_val, and torch's first two randint(0, 2**32-1).
  const d = new Generator();
  assert.is(d.initialSeed(), 67280421310721n);
  assert.equal(Array.from(d.fillRandint(new Float64Array(2), 0, 2 ** 32 - 1)), [2353294710, 1155489284]);
});

test('generator: rand of 1..5000 elements (fixture)', () => {
  for (const c of FIX.rand) {
    assertF32(new Generator().manualSeed(BigInt(c.seed)).fillRand(new Float32Array(c.values.n)), c.values, `rand seed ${c.seed}`);
  }
});

test('generator: randn sizes 1..1000, 6 seeds, fresh and advanced, then the next u32 (fixture)', () => {
  let count = 0;
  for (const c of FIX.randn) {
    const g = new Generator().manualSeed(BigInt(c.seed));
    if (c.advance) g.fillRand(new Float32Array(c.advance));
    const msg = `randn(${c.randn.n}) seed ${c.seed} advance ${c.advance}`;
    assertF32(g.fillRandn(new Float32Array(c.randn.n)), c.randn, msg);
    assert.is(nextInt(g), c.next, `${msg}: generator position afterwards`);
    count++;
  }
  assert.is(count, 6 * 3 * 9);
});

test('generator: randn of 1,000,003 and 262,144 elements, hashed (fixture)', () => {
  for (const c of FIX.randnLarge) {
    const g = new Generator().manualSeed(c.seed);
    assertF32(g.fillRandn(new Float32Array(c.randn.n)), c.randn, `randn(${c.randn.n}) seed ${c.seed}`);
  }
});

test('generator: randn small/big interleaving with the cache and a reseed (fixture)', () => {
  const g = new Generator().manualSeed(42);
  for (const [i, s] of FIX.randnCache.entries()) {
    if (s.op === 'seed') g.manualSeed(s.n);
    else {
      const out = new Float32Array(s.n);
      assert.equal(hex(s.op === 'randn' ? g.fillRandn(out) : g.fillRand(out)), s.hex, `step ${i}: ${s.op}(${s.n})`);
    }
  }
});

test('generator: normal_(mean, std) on both paths (fixture)', () => {
  for (const c of FIX.normal) {
    const g = new Generator().manualSeed(123);
    assertF32(g.fillRandn(new Float32Array(c.n), c.mean, c.std), c.values, `normal_(${c.mean}, ${c.std}) n=${c.n}`);
  }
});

test('generator: randint ranges 1 .. 2^63 incl. negative low and the random64 path (fixture)', () => {
  for (const c of FIX.randint) {
    const msg = `randint(${c.low}, ${c.high}) seed ${c.seed}`;
    const g = new Generator().manualSeed(BigInt(c.seed));
    const big = g.fillRandint(new BigInt64Array(20), BigInt(c.low), BigInt(c.high));
    assert.equal(Array.from(big, String), c.values, msg);
    assert.is(nextInt(g), c.next, `${msg}: position afterwards`);
    // The number API agrees wherever the values are exact doubles.
    const lo = Number(c.low), hi = Number(c.high);
    if (Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && Math.abs(lo) <= 2 ** 53 && Math.abs(hi) <= 2 ** 53) {
      const h = new Generator().manualSeed(BigInt(c.seed));
      assert.equal(Array.from(h.fillRandint(new Float64Array(20), lo, hi), String), c.values, `${msg} (Float64Array)`);
    }
  }
});

test('generator: exponential_(lambd) for 3 seeds, 3 rates, 4 sizes (fixture)', () => {
  for (const c of FIX.exponential) {
    const g = new Generator().manualSeed(BigInt(c.seed));
    const msg = `exponential_(${c.lambd}) n=${c.values.n} seed ${c.seed}`;
    assertF32(g.fillExponential(new Float32Array(c.values.n), c.lambd), c.values, msg);
    assert.is(nextInt(g), c.next, `${msg}: position afterwards`);
  }
});

test('generator: multinomial(p, 1) on 300 27-way rows, row by row and batched (fixture)', () => {
  const m = FIX.multinomial;
  const bytes = Uint8Array.from(atob(m.probs_b64), (ch) => ch.charCodeAt(0));
  const probs = new Float32Array(bytes.buffer);
  assert.is(probs.length, m.rows * m.cols);
  for (const key of ['seed42', 'seed7']) {
    const c = m[key];
    const g = new Generator().manualSeed(c.seed);
    const rowwise = Array.from({ length: m.rows }, (_, r) => g.multinomial1(probs, r * m.cols, m.cols));
    assert.equal(rowwise, c.rowwise, `${key}: row by row`);
    assert.is(nextInt(g), c.next, `${key}: position after 300 rows`);
    const h = new Generator().manualSeed(c.seed);
    assert.equal(Array.from(h.multinomial(probs, m.rows, m.cols)), c.batched, `${key}: batched`);
    assert.is(nextInt(h), c.nextBatched, `${key}: position after the batch`);
  }
});

test('generator: multinomial checks its input before drawing, as torch does', () => {
  const g = new Generator().manualSeed(3);
  const before = JSON.stringify(g.getState());
  assert.throws(() => g.multinomial1(Float32Array.of(0.5, -1, 0.5)), /inf, nan or element < 0/);
  assert.throws(() => g.multinomial(Float32Array.of(1, 0, 0, 0), 2, 2), /sum of probabilities <= 0\) in row 1/);
  assert.is(JSON.stringify(g.getState()), before);
});

test('generator: randint rejects Int32Array outputs that cannot hold the range', () => {
  const g = new Generator().manualSeed(0);
  assert.throws(() => g.fillRandint(new Int32Array(2), 0, 2 ** 32), /Float64Array or BigInt64Array/);
  assert.throws(() => g.fillRandint(new Int32Array(2), 5, 5), /low < high/);
});

test('generator: timing of fillRandint(32) and fillRandn(12,297)', () => {
  const g = new Generator().manualSeed(42);
  const ix = new Int32Array(32), w = new Float32Array(12297);
  for (let i = 0; i < 2000; i++) g.fillRandint(ix, 0, 182625);
  for (let i = 0; i < 20; i++) g.fillRandn(w);
  let t = performance.now();
  for (let i = 0; i < 20000; i++) g.fillRandint(ix, 0, 182625);
  const ri = ((performance.now() - t) / 20000) * 1000;
  t = performance.now();
  for (let i = 0; i < 50; i++) g.fillRandn(w);
  const rn = ((performance.now() - t) / 50) * 1000;
  console.log(`  timing: fillRandint(32) ${ri.toFixed(2)} µs, fillRandn(12297) ${rn.toFixed(0)} µs`);
});

test.run();
