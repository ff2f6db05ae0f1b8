import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, POISON } from '../helpers/kernels.ts';
import { free } from '../../src/wasm/heap.ts';
import * as ref from '../../src/ref/reduce.ts';

const { k } = await loadKernels();
const ULP = 2 ** -23;
const MS = [1, 3, 5, 32];
// 17..31 cover every ragged end of sum_dim0's 16/8/4-column blocks; 27 is V.
const NS = [1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 19, 20, 23, 27, 31, 33, 200];
const GUARD_F32 = Array(4).fill(Math.fround(POISON));

// The kernels and the reference both sum in float64 and round once, in different orders, so
// they may land on neighbouring floats: the tolerance is 1 ulp of the float32 sum s (2^-23 |s|)
// plus 1 ulp of the result (the acc=1 add may then round the other way), as one atol per call.
function tolerance(sums: Float64Array, want: Float64Array): number {
  let m = 0;
  for (let i = 0; i < sums.length; i++) m = Math.max(m, (Math.abs(sums[i]) + Math.abs(want[i])) * ULP);
  return m + 1e-30;
}

function check(name: 'sum_dim0' | 'sum_dim1', M: number, N: number, acc: number, seed: number): void {
  const nOut = name === 'sum_dim0' ? N : M;
  const x = asF32(uniform(M * N, seed, -1, 1));
  const start = acc ? asF32(uniform(nOut, seed + 1, -4, 4)) : new Float64Array(nOut).fill(POISON);
  const ip = f32buf(x), op = f32buf([...start, ...GUARD_F32]);
  k[name](op, ip, M, N, acc);
  const sums = new Float64Array(nOut), want = Float64Array.from(start);
  (name === 'sum_dim0' ? ref.sumDim0 : ref.sumDim1)(sums, x, M, N, 0);
  (name === 'sum_dim0' ? ref.sumDim0 : ref.sumDim1)(want, x, M, N, acc);
  const got = readF32(op, nOut + 4);
  assertClose(got.subarray(0, nOut), want, tolerance(sums, want), `${name} M=${M} N=${N} acc=${acc}`);
  assert.equal([...got.subarray(nOut)], GUARD_F32, `${name} M=${M} N=${N}: wrote past the end`);
  free(ip); free(op);
}

test('reduce: sum_dim0 (column sums) is within 1 ulp of the float64 reference for every shape and acc', () => {
  let seed = 1;
  for (const M of MS) for (const N of NS) for (const acc of [0, 1]) check('sum_dim0', M, N, acc, seed++);
});

test('reduce: sum_dim1 (row sums) is within 1 ulp of the float64 reference for every shape and acc', () => {
  let seed = 1;
  for (const M of MS) for (const N of NS) for (const acc of [0, 1]) check('sum_dim1', M, N, acc, seed++);
});

test('reduce: sum_all is within 1 ulp of the float64 reference for every size and acc', () => {
  for (const n of [1, 3, 4, 5, 7, 8, 9, 33, 200, 6400]) {
    for (const acc of [0, 1]) {
      const x = asF32(uniform(n, n, -1, 1));
      const start = acc ? [0.25] : [POISON];
      const op = f32buf([...start, ...GUARD_F32]);
      k.sum_all(op, f32buf(x), n, acc);
      const s = new Float64Array(1), want = Float64Array.from(start);
      ref.sumAll(s, x, n, 0);
      ref.sumAll(want, x, n, acc);
      const got = readF32(op, 5);
      assertClose(got.subarray(0, 1), want, tolerance(s, want), `sum_all n=${n} acc=${acc}`);
      assert.equal([...got.subarray(1)], GUARD_F32, 'sum_all: wrote past the end');
    }
  }
});

test('reduce: sums over a million elements stay within 1 ulp (float64 accumulation, not a float32 drift)', () => {
  // The whole training set: 182625 rows of V=27 logits, and a flat 1e6 of positives (no cancellation
  // to hide a drift: a float32 running sum would be off by ~4e-5 relative, 300 ulps, here).
  const M = 182625, N = 27;
  const x = asF32(uniform(M * N, 7, 0, 1));
  const ip = f32buf(x);
  const o0 = f32buf(N), o1 = f32buf(M), oa = f32buf(1);
  k.sum_dim0(o0, ip, M, N, 0);
  k.sum_dim1(o1, ip, M, N, 0);
  k.sum_all(oa, ip, 1_000_000, 0);
  const w0 = new Float64Array(N), w1 = new Float64Array(M), wa = new Float64Array(1);
  ref.sumDim0(w0, x, M, N, 0);
  ref.sumDim1(w1, x, M, N, 0);
  ref.sumAll(wa, x.subarray(0, 1_000_000), 1_000_000, 0);
  assertClose(readF32(o0, N), w0, 0, 'sum_dim0 182625x27', ULP);
  assertClose(readF32(o1, M), w1, 0, 'sum_dim1 182625x27', ULP);
  assertClose(readF32(oa, 1), wa, 0, 'sum_all 1e6', ULP);
  free(ip); free(o0); free(o1); free(oa);
});

test('reduce: NaN and Infinity propagate into the sums that contain them', () => {
  const M = 3, N = 5; // NaN at (1,2), +Infinity at (2,4)
  const x = Array.from({ length: M * N }, (_, i) => (i === 7 ? NaN : i === 14 ? Infinity : i));
  const o0 = f32buf(N), o1 = f32buf(M), oa = f32buf(1);
  k.sum_dim0(o0, f32buf(x), M, N, 0);
  k.sum_dim1(o1, f32buf(x), M, N, 0);
  k.sum_all(oa, f32buf(x), M * N, 0);
  const c = readF32(o0, N), r = readF32(o1, M);
  assert.equal([c[0], c[1], c[3], c[4]], [15, 18, 24, Infinity]);
  assert.ok(Number.isNaN(c[2]), `column 2 is ${c[2]}`);
  assert.equal([r[0], r[2]], [10, Infinity]);
  assert.ok(Number.isNaN(r[1]) && Number.isNaN(readF32(oa, 1)[0]), 'row 1 and the total are NaN');
});

test('reduce: max_dim1 matches the reference exactly and propagates NaN', () => {
  for (const M of MS) {
    for (const N of NS) {
      const x = asF32(uniform(M * N, M * 1000 + N, -5, 5));
      const op = f32buf(M);
      k.max_dim1(op, f32buf(x), M, N);
      const want = new Float64Array(M);
      ref.maxDim1(want, x, M, N);
      assertClose(readF32(op, M), want, 0, `max_dim1 M=${M} N=${N}`);
    }
  }
  for (const N of [1, 3, 4, 5, 9]) {
    for (let at = 0; at < N; at++) {
      const x = Array.from({ length: 2 * N }, (_, i) => (i === at ? NaN : -Infinity));
      const op = f32buf(2);
      k.max_dim1(op, f32buf(x), 2, N);
      const got = readF32(op, 2);
      assert.ok(Number.isNaN(got[0]) && got[1] === -Infinity, `N=${N} NaN at ${at}: ${got}`);
    }
  }
});

test.run();
