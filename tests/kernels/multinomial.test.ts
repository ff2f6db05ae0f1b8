import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, i32buf, uniform, asF32, SIZES } from '../helpers/kernels.ts';
import { alloc, i32, f64 } from '../../src/wasm/heap.ts';
import { multinomialCheck, multinomialTopk, multinomialCdf } from '../../src/ref/multinomial.ts';
import { takeStatus } from '../../src/wasm/status.ts';

const { k } = await loadKernels();
const ints = (p: number, n: number) => Array.from(i32().subarray(p >>> 2, (p >>> 2) + n));

test('multinomial_topk: the K largest p/q per row, as a full sort gives, at tail sizes', () => {
  for (const R of [1, 3]) for (const C of [...SIZES, 64]) for (const K of [1, 2, 3, 5, 33, 64].filter((x) => x <= C)) {
    // Probabilities with repeats (ties in p/q come from equal p and q), q > 0.
    const p = asF32(uniform(R * C, C + K, 0.01, 1).map((x, i) => (i % 7 === 3 ? 0.5 : x)));
    const q = asF32(uniform(R * C, R + C, 0.05, 4).map((x, i) => (i % 11 === 5 ? 1 : x)));
    const out = i32buf(new Int32Array(R * K)), heap = i32buf(new Int32Array(K));
    k.multinomial_topk(out, f32buf(p), f32buf(q), heap, R, C, K);
    const want = new Int32Array(R * K);
    multinomialTopk(want, p, q, R, C, K);
    assert.equal(ints(out, R * K), Array.from(want), `R=${R} C=${C} K=${K}`);
    assert.is(takeStatus(), null);
  }
});

test('multinomial_topk: NaN ratios come first; too few non-zero entries are reported', () => {
  const out = i32buf(new Int32Array(3)), heap = i32buf(new Int32Array(3));
  k.multinomial_topk(out, f32buf([0.2, 0, 0.5, 0.1]), f32buf([1, 0, 1, 1]), heap, 1, 4, 3);
  assert.equal(ints(out, 3), [1, 2, 0]);
  assert.is(takeStatus(), null);
  k.multinomial_topk(out, f32buf([0.2, 0, 0.5, 0]), f32buf([1, 1, 1, 1]), heap, 1, 4, 3);
  assert.equal(takeStatus(), [2, 0, -2]);
});

test('multinomial_cdf: binary search of each uniform in the float32 cumulative sums', () => {
  for (const R of [1, 3]) for (const C of SIZES) for (const K of [1, 4, 33]) {
    const p = asF32(uniform(R * C, C + 3 * K, 0, 2).map((x, i) => (i % 5 === 2 ? 0 : x)));
    for (let r = 0; r < R; r++) p[r * C] += 0.25; // every row has a positive entry
    const u = uniform(R * K, R + C + K, 0, 1);
    u[0] = 0; // the edge: picks the first column with a positive cumulative sum
    const up = alloc(R * K * 8);
    f64().set(u, up >>> 3);
    const out = i32buf(new Int32Array(R * K));
    k.multinomial_cdf(out, f32buf(p), up, f32buf(C), R, C, K);
    const want = new Int32Array(R * K);
    multinomialCdf(want, p, u, R, C, K);
    assert.equal(ints(out, R * K), Array.from(want), `R=${R} C=${C} K=${K}`);
  }
});

test('multinomial_check: negative, inf and NaN entries and all-zero rows are found', () => {
  const cases: [number[], number, number][] = [[[0.1, 0.2, 0.3, 0.4], 2, 2], [[0.1, -0.2, 0.3, 0.4], 2, 2], [[0.1, 0.2, Infinity, 0.4], 2, 2],
    [[0.1, 0.2, NaN, 0.4], 2, 2], [[0.1, 0.2, 0, 0], 2, 2], [[0, 0, 0], 1, 3]];
  for (const [p, R, C] of cases) {
    k.multinomial_check(f32buf(p), R, C);
    const s = takeStatus(), want = multinomialCheck(Float32Array.from(p), R, C);
    assert.equal(s ? [s[1], s[2]] : null, want, JSON.stringify(p));
  }
});

test.run();
