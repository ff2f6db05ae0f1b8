import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, i32buf, readF32, uniform, asF32, assertClose, assertSame, callKernel, POISON } from '../helpers/kernels.ts';
import { free, i32 } from '../../src/wasm/heap.ts';
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

// (P, D, Q) layouts: rows (Q = 1), columns (P = 1), a middle dim, and tails of 1, 3, 4, 5, 33.
const PDQ = [[1, 1, 1], [1, 5, 1], [3, 33, 1], [1, 4, 33], [2, 3, 5], [4, 1, 3], [5, 7, 4]];
const gridOf = (n: number, seed: number) => Float64Array.from(uniform(n, seed, -4, 5), (v) => Math.floor(v) / 2);

test('reduce: maxmin_mid gives the values and first indices of the reference, NaN winning', () => {
  for (const [P, D, Q] of PDQ) {
    for (const isMin of [0, 1]) {
      const x = gridOf(P * D * Q, P * 100 + D * 10 + Q);
      if (D > 2) x[Q] = NaN; // the first NaN of column 0 of plane 0 is at d = 1
      const out = f32buf(P * Q + 4), idx = i32buf(new Array(P * Q + 4).fill(-9));
      k.maxmin_mid(out, idx, f32buf(x), P, D, Q, isMin, 1);
      const want = new Float64Array(P * Q), wantIdx = new Int32Array(P * Q);
      ref.maxminMid(want, wantIdx, x, P, D, Q, isMin);
      assertSame(readF32(out, P * Q), want, `maxmin_mid ${isMin} ${P}x${D}x${Q}`);
      const got = i32().slice(idx >>> 2, (idx >>> 2) + P * Q + 4);
      assert.equal(Array.from(got.subarray(0, P * Q)), Array.from(wantIdx), `maxmin_mid indices ${isMin} ${P}x${D}x${Q}`);
      assert.equal(Array.from(got.subarray(P * Q)), [-9, -9, -9, -9], 'maxmin_mid: wrote past the end');
      const noIdx = i32buf([-9]);
      k.maxmin_mid(out, noIdx, f32buf(x), P, D, Q, isMin, 0);
      assert.is(i32()[noIdx >>> 2], -9, 'withIdx 0 leaves idx alone');
    }
  }
});

test('reduce: index_mid_backward and ties_backward (both rules) match the reference bit for bit', () => {
  for (const [P, D, Q] of PDQ) {
    const n = P * D * Q, x = gridOf(n, n + 1), g = asF32(uniform(P * Q, n + 2)), d0 = asF32(uniform(n, n + 3));
    if (n > 3) x[3] = NaN;
    const out = new Float64Array(P * Q), idx = new Int32Array(P * Q);
    ref.maxminMid(out, idx, x, P, D, Q, 0);
    const w = Float64Array.from(d0);
    ref.indexMidBackward(w, idx, g, P, D, Q);
    const dp = f32buf(d0);
    k.index_mid_backward(dp, i32buf(idx), f32buf(g), P, D, Q);
    assertSame(readF32(dp, n), w, `index_mid_backward ${P}x${D}x${Q}`);
    for (const evenly of [0, 1]) {
      const want = Float64Array.from(d0);
      ref.tiesBackward(want, x, out, g, P, D, Q, evenly);
      assertSame(callKernel(k, 'ties_backward', d0, [x, out, g], P, D, Q, evenly), want, `ties_backward ${evenly} ${P}x${D}x${Q}`);
    }
  }
  // Three tied maxima share the gradient; the NaN rules: amax's gives NaN, max()'s goes to the NaNs.
  assertSame(callKernel(k, 'ties_backward', [0, 0, 0, 0], [[2, 1, 2, 2], [2], [3]], 1, 4, 1, 0), [1, 0, 1, 1], 'ties split evenly');
  const nanAmax = callKernel(k, 'ties_backward', [0, 0, 0], [[1, NaN, 3], [NaN], [1]], 1, 3, 1, 0);
  assert.ok(nanAmax.every(Number.isNaN), `amax's rule: ${nanAmax}`);
  assertSame(callKernel(k, 'ties_backward', [0, 0, 0], [[1, NaN, 3], [NaN], [1]], 1, 3, 1, 1), [0, 1, 0], "max()'s rule");
});

test('reduce: logsumexp_mid and its backward are within 1 ulp of the reference; ±inf, NaN and empty as ATen', () => {
  for (const [P, D, Q] of PDQ) {
    const n = P * D * Q, x = asF32(uniform(n, n + 5, -30, 30)), g = asF32(uniform(P * Q, n + 6));
    const want = new Float64Array(P * Q);
    ref.logsumexpMid(want, x, P, D, Q);
    const out = callKernel(k, 'logsumexp_mid', P * Q, [x], P, D, Q);
    assertClose(out, want, 0, `logsumexp ${P}x${D}x${Q}`, ULP);
    const w = new Float64Array(n);
    ref.logsumexpBackward(w, x, out, g, P, D, Q);
    assertClose(callKernel(k, 'logsumexp_backward', new Float64Array(n), [x, out, g], P, D, Q), w, 1e-45, `logsumexp_backward ${P}x${D}x${Q}`, ULP);
  }
  const edge = callKernel(k, 'logsumexp_mid', 4, [[-Infinity, -Infinity, Infinity, 1, NaN, 0, 1e4, 1e4]], 4, 2, 1);
  assertSame(edge.subarray(0, 3), [-Infinity, Infinity, NaN], 'all -inf, an inf, a NaN');
  assert.is(edge[3], Math.fround(1e4 + Math.LN2), 'large inputs do not overflow');
  assertSame(callKernel(k, 'logsumexp_mid', 2, [[]], 2, 0, 1), [-Infinity, -Infinity], 'empty rows give -inf');
});

test.run();
