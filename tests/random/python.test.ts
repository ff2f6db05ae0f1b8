import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { namesText, namesTest } from '../helpers/names.ts';
import { PythonRandom } from '../../src/random/python.ts';

interface PyFixture {
  shuffle: { seed: string; n: number; perm: number[]; next: number }[];
  getrandbits: { seed: string; draws: [number, string][] }[];
  randbelow: { seed: string; draws: [string, string][] }[];
  random: { seed: string; hex: string[] }[];
}
const FIX: PyFixture = JSON.parse(readFileSync(new URL('../fixtures/rng.json', import.meta.url), 'utf8')).python;

test('python: Random(42) first 8 getrandbits(32) (§9)', () => {
  const r = new PythonRandom(42);
  assert.equal(Array.from({ length: 8 }, () => r.getrandbits32(32)),
    [2746317213, 478163327, 107420369, 3184935163, 1181241943, 1051802512, 958682846, 599310825]);
});

namesTest('python: seed(42); shuffle(names) matches the notebook split (§9)', () => {
  const words = namesText()!.split('\n').filter((w) => w.length > 0);
  assert.is(words.length, 32033);
  const r = new PythonRandom(42);
  let draws = 0;
  const next = r.mt.nextU32.bind(r.mt);
  r.mt.nextU32 = () => (draws++, next());
  r.shuffle(words);
  assert.equal(words.slice(0, 10), ['yuheng', 'diondre', 'xavien', 'jori', 'juanluis', 'erandi', 'phia', 'samatha', 'phoenix', 'emmelynn']);
  assert.equal(words.slice(-3), ['opal', 'zaylynn', 'yovani']);
  assert.is(draws, 44636, '§2: the shuffle uses 44,636 u32');
});

test('python: shuffle(list(range(n))) matches CPython for 6 seeds and 5 sizes (fixture)', () => {
  for (const c of FIX.shuffle) {
    const r = new PythonRandom(BigInt(c.seed));
    const x = Array.from({ length: c.n }, (_, i) => i);
    r.shuffle(x);
    assert.equal(x, c.perm, `seed ${c.seed} n ${c.n}`);
    assert.is(r.getrandbits32(32), c.next, `seed ${c.seed} n ${c.n}: stream position after shuffle`);
  }
});

test('python: getrandbits(k) for k in {0,1,7,31,32,33,64,65,96,97,100} (fixture)', () => {
  for (const c of FIX.getrandbits) {
    const r = new PythonRandom(BigInt(c.seed));
    for (const [k, v] of c.draws) assert.is(r.getrandbits(k), BigInt(v), `seed ${c.seed} k ${k}`);
  }
});

test('python: randbelow(n) up to 2^64+7, numbers and bigints (fixture)', () => {
  for (const c of FIX.randbelow) {
    const r = new PythonRandom(BigInt(c.seed));
    const rb = new PythonRandom(BigInt(c.seed));
    for (const [n, v] of c.draws) {
      assert.is(r.randbelow(BigInt(n)), BigInt(v), `seed ${c.seed} n ${n} (bigint)`);
      if (Number.isSafeInteger(Number(n)) && BigInt(Number(n)) === BigInt(n)) {
        assert.is(rb.randbelow(Number(n)), Number(v), `seed ${c.seed} n ${n} (number)`);
      } else rb.randbelow(BigInt(n));
    }
  }
});

test('python: random() 53-bit floats (fixture)', () => {
  const F64 = new Float64Array(1);
  const U64 = new BigUint64Array(F64.buffer);
  for (const c of FIX.random) {
    const r = new PythonRandom(BigInt(c.seed));
    for (const h of c.hex) {
      F64[0] = r.random();
      assert.is(U64[0].toString(16).padStart(16, '0'), h, `seed ${c.seed}`);
    }
  }
});

test('python: seed of -n equals seed of n; errors name the argument', () => {
  assert.is(new PythonRandom(-7).getrandbits32(32), new PythonRandom(7).getrandbits32(32));
  assert.throws(() => new PythonRandom(1.5), /expected an integer/);
  assert.throws(() => new PythonRandom(1).randbelow(0), /randbelow: n must be/);
});

test.run();
