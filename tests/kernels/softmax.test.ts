import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, POISON } from '../helpers/kernels.ts';
import { free } from '../../src/wasm/heap.ts';
import { softmaxForward, softmaxBackward } from '../../src/ref/softmax.ts';

const { k } = await loadKernels();
const MS = [1, 3, 5, 32];
const NS = [1, 3, 4, 5, 27, 33, 200];
// Forward: the kernel rounds each exp to float32 and divides by the float32 row sum, the
// reference rounds once from float64: within 2 ulps, rtol 2.4e-7 (atol 1e-30 for underflow to 0).
const RTOL = 2 ** -22;

function forward(x: ArrayLike<number>, M: number, N: number): Float32Array {
  const n = M * N, op = f32buf(n + 4);
  k.softmax_forward(op, f32buf(x), M, N);
  const got = readF32(op, n + 4);
  assert.ok(got.subarray(n).every((v) => v === Math.fround(POISON)), `softmax M=${M} N=${N}: wrote past the end`);
  return got.subarray(0, n);
}

function expected(x: ArrayLike<number>, M: number, N: number): Float64Array {
  const want = new Float64Array(M * N);
  softmaxForward(want, x, M, N);
  return want;
}

test('softmax: forward is within 2 ulps (rtol 2.4e-7) of the float64 reference for every shape', () => {
  for (const M of MS) {
    for (const N of NS) {
      const x = asF32(uniform(M * N, M * 1000 + N, -6, 6));
      assertClose(forward(x, M, N), expected(x, M, N), 1e-30, `softmax M=${M} N=${N}`, RTOL);
    }
  }
});

test('softmax: rows sum to 1 within 1e-6', () => {
  const M = 32, N = 27, got = forward(asF32(uniform(M * N, 3, -10, 10)), M, N);
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += got[i * N + j];
    assert.ok(Math.abs(s - 1) <= 1e-6, `row ${i} sums to ${s}`);
  }
});

test('softmax: logits of ±1e4 stay finite and correct (max subtraction)', () => {
  const rows = [
    [1e4, -1e4, 0, 1e4 - 1, 9999.5],
    [-1e4, -1e4, -1e4 + 2, -1e4, -1e4 + 0.5],
    [1e4, 1e4, 1e4, 1e4, 1e4],
    [-1e4, 1e4, -1e4, -1e4, -1e4],
  ];
  const M = rows.length, N = 5, x = asF32(rows.flat());
  const got = forward(x, M, N);
  for (const v of got) assert.ok(Number.isFinite(v), `non-finite output ${v}`);
  assertClose(got, expected(x, M, N), 1e-30, 'softmax ±1e4', RTOL);
  assert.is(got[3 * N + 1], 1);
});

test('softmax: a NaN makes its row NaN and leaves the other rows alone', () => {
  for (const N of [1, 3, 4, 5, 9]) {
    for (let at = 0; at < N; at++) {
      const x = Array.from({ length: 2 * N }, (_, i) => (i === N + at ? NaN : i % 3));
      const got = forward(x, 2, N);
      for (let j = 0; j < N; j++) assert.ok(!Number.isNaN(got[j]) && Number.isNaN(got[N + j]), `N=${N} NaN at ${at}: ${got}`);
    }
  }
});

test('softmax: out may alias inp', () => {
  const M = 5, N = 33, x = asF32(uniform(M * N, 11, -3, 3));
  const ip = f32buf(x);
  k.softmax_forward(ip, ip, M, N);
  assert.equal([...readF32(ip, M * N)], [...forward(x, M, N)]);
});

test('softmax: backward accumulates and is within atol 2e-7, rtol 2.4e-7 of the reference', () => {
  // The row dot product is float64 rounded once in both, but summed in another order: it may
  // round to a neighbouring float, which moves every element of the row by out * 1 ulp.
  for (const M of MS) {
    for (const N of NS) {
      const n = M * N, seed = M * 1000 + N;
      const out = expected(asF32(uniform(n, seed, -3, 3)), M, N);
      const dout = asF32(uniform(n, seed + 1, -1, 1)), d0 = asF32(uniform(n, seed + 2, -1, 1));
      const op = f32buf(out), gp = f32buf(dout), dp = f32buf(d0);
      k.softmax_backward(dp, op, gp, M, N);
      const want = Float64Array.from(d0);
      softmaxBackward(want, out, dout, M, N);
      assertClose(readF32(dp, n), want, 2e-7, `softmax_backward M=${M} N=${N}`, RTOL);
      free(op); free(gp); free(dp);
    }
  }
});

test('softmax: backward matches central differences of the float64 forward (atol 1e-6)', () => {
  // d/dx_j of L = sum_i w_i softmax(x)_i, one row at a time, h = 1e-5 in float64.
  const M = 3, N = 27, h = 1e-5;
  const x = asF32(uniform(M * N, 21, -3, 3)), w = asF32(uniform(M * N, 22, -1, 1));
  const op = f32buf(M * N), dp = f32buf(new Array(M * N).fill(0));
  k.softmax_forward(op, f32buf(x), M, N);
  k.softmax_backward(dp, op, f32buf(w), M, N);
  const loss = (xs: Float64Array) => { // unrounded float64 softmax: the reference rounds to float32
    let l = 0;
    for (let i = 0; i < M; i++) {
      const row = xs.subarray(i * N, i * N + N), m = Math.max(...row);
      const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
      row.forEach((v, j) => { l += w[i * N + j] * Math.exp(v - m) / s; });
    }
    return l;
  };
  const fd = Float64Array.from(x, (_, j) => {
    const a = Float64Array.from(x), b = Float64Array.from(x);
    a[j] += h; b[j] -= h;
    return (loss(a) - loss(b)) / (2 * h);
  });
  assertClose(readF32(dp, M * N), fd, 1e-6, 'softmax_backward vs finite differences');
});

test.run();
