import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, POISON } from '../helpers/kernels.ts';
import { layerNormForward, layerNormBackward } from '../../src/ref/layer_norm.ts';

const { k } = await loadKernels();
const MS = [1, 3, 5];
const NS = [1, 3, 4, 5, 33, 64];

test('layer_norm: forward is within 1e-6 of the float64 reference at every size, with and without affine', () => {
  for (const M of MS) for (const N of NS) for (const affine of [true, false]) {
    const x = asF32(uniform(M * N, M * 100 + N, -3, 5)), w = asF32(uniform(N, N, 0.5, 2)), b = asF32(uniform(N, N + 1));
    const op = f32buf(M * N + 4), mp = f32buf(M), rp = f32buf(M);
    k.layernorm_forward(op, mp, rp, f32buf(x), affine ? f32buf(w) : 0, affine ? f32buf(b) : 0, 1e-5, M, N);
    const want = new Float64Array(M * N), mean = new Float64Array(M), rstd = new Float64Array(M);
    layerNormForward(want, mean, rstd, x, affine ? w : null, affine ? b : null, Math.fround(1e-5), M, N);
    const got = readF32(op, M * N + 4);
    assert.ok(got.subarray(M * N).every((v) => v === Math.fround(POISON)), `M=${M} N=${N}: wrote past the end`);
    assertClose(got.subarray(0, M * N), want, 1e-6, `layer_norm forward M=${M} N=${N} affine=${affine}`, 1e-6);
    assertClose(readF32(mp, M), mean, 1e-7, `mean M=${M} N=${N}`, 1e-6);
    assertClose(readF32(rp, M), rstd, 0, `rstd M=${M} N=${N}`, 1e-6);
  }
});

test('layer_norm: backward accumulates the reference gradients for the input, weight and bias', () => {
  for (const M of MS) for (const N of NS) for (const affine of [true, false]) {
    const x = asF32(uniform(M * N, M + N, -2, 2)), w = asF32(uniform(N, 2 * N, 0.5, 2)), g = asF32(uniform(M * N, 7 * N));
    const xp = f32buf(x), mp = f32buf(M), rp = f32buf(M), wp = affine ? f32buf(w) : 0;
    k.layernorm_forward(f32buf(M * N), mp, rp, xp, wp, 0, 1e-5, M, N);
    const mean = asF32(readF32(mp, M)), rstd = asF32(readF32(rp, M));
    const start = asF32(uniform(M * N, 99)), startW = asF32(uniform(N, 98)), startB = asF32(uniform(N, 97));
    const dx = f32buf(start), dw = f32buf(startW), db = f32buf(startB);
    k.layernorm_backward(dx, affine ? dw : 0, affine ? db : 0, f32buf(g), xp, wp, mp, rp, M, N);
    const wx = Float64Array.from(start), ww = Float64Array.from(startW), wb = Float64Array.from(startB);
    layerNormBackward(wx, affine ? ww : null, affine ? wb : null, g, x, affine ? w : null, mean, rstd, M, N);
    assertClose(readF32(dx, M * N), wx, 2e-6, `dx M=${M} N=${N} affine=${affine}`, 1e-5);
    if (affine) {
      assertClose(readF32(dw, N), ww, 2e-6, `dweight M=${M} N=${N}`, 1e-5);
      assertClose(readF32(db, N), wb, 2e-6, `dbias M=${M} N=${N}`, 1e-5);
    }
  }
});

test('layer_norm: a constant row normalises to the bias (no NaN), and NaN propagates within its row', () => {
  const N = 5, op = f32buf(2 * N);
  k.layernorm_forward(op, f32buf(2), f32buf(2), f32buf([3, 3, 3, 3, 3, 1, NaN, 2, 3, 4]), 0, f32buf([1, 2, 3, 4, 5]), 1e-5, 2, N);
  const out = readF32(op, 2 * N);
  assert.equal(Array.from(out.subarray(0, N)), [1, 2, 3, 4, 5]);
  assert.ok(out.subarray(N).every(Number.isNaN), `got ${out.subarray(N)}`);
});

test.run();
