// The creation functions' random streams against PyTorch 1.13 (tests/fixtures/rng.json, from
// tools/fixtures/rng.py), through the public API: uniform_ / rand, randperm for every n up to
// 1100 and larger ones, int64 randint and random_ on the default generator after manualSeed,
// makemore's DataLoader batches, and multinomial with and without replacement. Exact: float32
// values compare as bit patterns, indices as integers, and the generator must end where
// PyTorch's does (the next draw agrees).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fnv, assertF32 as assertRaw, type F32Fix } from '../helpers/rng.ts';
import {
  init, Generator, tensor, zeros, rand, randn, randint, randperm, multinomial, manualSeed, defaultGenerator, Tensor,
} from '../../src/index.ts';

await init();
const FIX = JSON.parse(readFileSync(new URL('../fixtures/rng.json', import.meta.url), 'utf8'));

const assertF32 = (t: Tensor, want: F32Fix, msg: string) => assertRaw(t.toArray() as Float32Array, want, msg);
const next = (g: Generator) => randint(0, 2 ** 31 - 1, [1], { generator: g }).item();
const ints = (t: Tensor) => Array.from(t.toArray());

test('uniform_: every range and size is PyTorch\'s bit for bit (fused x·(to−from) + from)', () => {
  for (const c of FIX.uniform) {
    const g = new Generator().manualSeed(BigInt(c.seed));
    const t = zeros([c.values.n]).uniform_(c.from, c.to, { generator: g });
    assertF32(t, c.values, `uniform_(${c.from}, ${c.to}) n=${c.values.n} seed ${c.seed}`);
    assert.is(next(g), c.next, `uniform_(${c.from}, ${c.to}) seed ${c.seed}: generator position`);
  }
});

test('rand: the same stream as torch.rand', () => {
  for (const c of FIX.rand) assertF32(rand([c.values.n], { generator: new Generator().manualSeed(BigInt(c.seed)) }), c.values, `rand seed ${c.seed}`);
});

test('randperm: every n from 1 to 1100 (two seeds) is PyTorch\'s permutation', () => {
  for (const [seed, n, h, nxt] of FIX.randperm.small as number[][]) {
    const g = new Generator().manualSeed(seed);
    const p = randperm(n, { generator: g }).toArray() as Int32Array;
    if (fnv(p) !== h) assert.unreachable(`randperm(${n}) seed ${seed}: FNV ${fnv(p)}, PyTorch ${h}`);
    if (next(g) !== nxt) assert.unreachable(`randperm(${n}) seed ${seed}: generator position`);
  }
});

test('randperm: large n (to 40000, around 2^15 and makemore\'s 32033) is PyTorch\'s permutation', () => {
  for (const c of FIX.randperm.large) {
    const g = new Generator().manualSeed(BigInt(c.seed));
    const p = randperm(c.n, { generator: g }).toArray() as Int32Array;
    assert.equal(Array.from(p.subarray(0, 8)), c.first, `randperm(${c.n}) seed ${c.seed}: first 8`);
    assert.equal(Array.from(p.subarray(-4)), c.last, `randperm(${c.n}) seed ${c.seed}: last 4`);
    assert.is(fnv(p), c.fnv, `randperm(${c.n}) seed ${c.seed}: FNV`);
    assert.is(next(g), c.next, `randperm(${c.n}) seed ${c.seed}: generator position`);
  }
  // A float32 randperm holds the same values.
  const f = randperm(100, { generator: new Generator().manualSeed(0), dtype: 'float32' });
  const i = randperm(100, { generator: new Generator().manualSeed(0) });
  assert.equal(ints(f), ints(i));
});

test('default generator: manualSeed then randperm, int64 randint, random_, rand, randn, uniform_ as torch after torch.manual_seed', () => {
  for (const c of FIX.defaultGenerator) {
    const g = manualSeed(c.seed);
    assert.ok(g === defaultGenerator(), 'manualSeed returns the default generator');
    const rp = randperm(32033).toArray() as Int32Array;
    assert.equal(Array.from(rp.subarray(0, 10)), c.randperm32033.first, `seed ${c.seed}: randperm(32033) first 10`);
    assert.equal(Array.from(rp.subarray(-3)), c.randperm32033.last, `seed ${c.seed}: randperm(32033) last 3`);
    assert.is(fnv(rp), c.randperm32033.fnv, `seed ${c.seed}: randperm(32033) FNV`);
    assert.equal(ints(randint(0, 31033, [32])), c.randint, `seed ${c.seed}: randint int64`);
    assert.equal([0, 1, 2].map(() => defaultGenerator().randomLong().toString()), c.randomLong, `seed ${c.seed}: int64 random_`);
    assertF32(rand([20]), c.rand, `seed ${c.seed}: rand`);
    assertF32(randn([20]), c.randn, `seed ${c.seed}: randn`);
    assertF32(zeros([10]).uniform_(-2, 3), c.uniform, `seed ${c.seed}: uniform_`);
    assert.equal(ints(randint(27, [12])), c.randintHigh, `seed ${c.seed}: randint(high, size)`);
    assert.is(randint(0, 2 ** 31 - 1, [1]).item(), c.next, `seed ${c.seed}: default generator position`);
  }
});

test('DataLoader: makemore\'s InfiniteDataLoader and a shuffled loader, rebuilt from randomLong, randint and randperm', () => {
  for (const c of FIX.dataloader) {
    manualSeed(c.seed);
    randperm(32033);
    // _BaseDataLoaderIter draws its base seed, then RandomSampler seeds its own generator.
    defaultGenerator().randomLong();
    const sampler = new Generator().manualSeed(defaultGenerator().randomLong());
    for (const [b, want] of (c.batches as number[][]).entries()) {
      assert.equal(ints(randint(0, c.nTrain, [32], { generator: sampler })), want, `seed ${c.seed}: batch ${b}`);
    }
    // A DataLoader(shuffle=True): base seed, then a RandomSampler without replacement (randperm).
    defaultGenerator().randomLong();
    const shuffle = new Generator().manualSeed(defaultGenerator().randomLong());
    assert.equal(ints(randperm(1000, { generator: shuffle })).slice(0, 50), c.evalFirstBatch, `seed ${c.seed}: shuffled first batch`);
    assert.is(randint(0, 2 ** 31 - 1, [1]).item(), c.next, `seed ${c.seed}: default generator position`);
  }
});

test('multinomial: several samples without replacement and any number with replacement, as PyTorch', () => {
  const m = FIX.multinomialMore;
  const probs = tensor(new Float32Array(new Uint32Array(m.probs).buffer), { shape: [m.rows, m.cols] });
  const row3 = probs.index(3);
  for (const c of m.cases) {
    const what = `k=${c.k} replacement=${c.replacement} seed ${c.seed}`;
    const g = new Generator().manualSeed(c.seed);
    const s = multinomial(probs, c.k, { replacement: c.replacement, generator: g });
    assert.equal([...s.shape], [m.rows, c.k], `${what}: shape`);
    assert.equal(ints(s), c.samples, `${what}: samples`);
    assert.is(next(g), c.next, `${what}: generator position`);
    assert.equal(ints(multinomial(row3, c.k, { replacement: c.replacement, generator: new Generator().manualSeed(c.seed) })), c.row3, `${what}: 1-D`);
  }
  manualSeed(m.defaultGenerator.seed);
  assert.equal(ints(multinomial(probs, 4, { replacement: true })), m.defaultGenerator.samples, 'default generator');
});

test('multinomial: one sample per row of the notebook-like rows (fast path), row by row and batched', () => {
  const m = FIX.multinomial;
  const raw = Uint8Array.from(atob(m.probs_b64), (ch) => ch.charCodeAt(0));
  const probs = tensor(new Float32Array(raw.buffer), { shape: [m.rows, m.cols] });
  for (const key of ['seed42', 'seed7']) {
    const c = m[key];
    const g = new Generator().manualSeed(c.seed);
    assert.equal(ints(multinomial(probs, 1, { generator: g })), c.batched, `${key}: batched`);
    assert.is(next(g), c.nextBatched, `${key}: generator position`);
  }
});

test('multinomial: bad input is refused before any draw, with what to fix', () => {
  const g = new Generator().manualSeed(3);
  const before = JSON.stringify(g.getState());
  assert.throws(() => multinomial(tensor([0.5, -0.1, 0.6]), 1, { generator: g }), /probabilities must be finite and non-negative; row 0, column 1/);
  assert.throws(() => multinomial(tensor([[0.5, 0.5], [0, 0]]), 1, { generator: g }), /row 1 sums to 0/);
  assert.throws(() => multinomial(tensor([0.5, NaN]), 1, { generator: g }), /finite and non-negative/);
  assert.throws(() => multinomial(tensor([0.5, 0.5]), 3, { generator: g }), /cannot sample 3 > 2/);
  assert.throws(() => multinomial(tensor([0.5, 0.5]), 1, { generator: g, replace: true } as never), /unknown option 'replace'/);
  assert.is(JSON.stringify(g.getState()), before, 'the generator did not move');
  assert.throws(() => multinomial(tensor([0.5, 0, 0.5]), 3), /fewer than 3 non-zero probabilities/);
});

test('creation: bad arguments give one clear error each', () => {
  assert.throws(() => randperm(-1), /randperm: n must be a non-negative integer/);
  assert.throws(() => randint(5, 5, [2]), /low < high/);
  assert.throws(() => rand([2], { generator: 3 } as never), /'generator' must be a Generator/);
  assert.throws(() => zeros([2]).uniform_(1, 0), /\[from, to\) range/);
  assert.throws(() => zeros([2, 3]).T.uniform_(), /non-contiguous/);
  const w = zeros([3], { requiresGrad: true });
  assert.throws(() => w.normal_(), /in-place update of a leaf tensor that requires grad/);
});

test.run();
