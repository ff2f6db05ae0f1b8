// where and clamp kernels (selection and bounds) against src/ref/where.ts and src/ref/clamp.ts,
// bit for bit, at sizes that hit the SIMD tails, with float and int32 masks, NaN and ±0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, callKernel, assertSame, uniform, asF32, f32buf, i32buf, readF32, SIZES } from '../helpers/kernels.ts';
import * as wref from '../../src/ref/where.ts';
import * as cref from '../../src/ref/clamp.ts';

const { k } = await loadKernels();
const ALL = [...SIZES, 200];

test('where: forward and both backwards (adding or writing) match the reference bit for bit (float masks, NaN counts as true)', () => {
  for (const n of ALL) {
    const cond = Float64Array.from(uniform(n, n), (v) => (v > 0 ? 1 : 0));
    if (n > 2) cond[2] = NaN;
    const a = asF32(uniform(n, n + 1)), b = asF32(uniform(n, n + 2)), g = asF32(uniform(n, n + 3)), d0 = asF32(uniform(n, n + 4));
    const want = new Float64Array(n);
    wref.whereForward(want, cond, a, b, n);
    assertSame(callKernel(k, 'where_forward', n, [cond, a, b], n, 0), want, `where n=${n}`);
    for (const side of [0, 1]) {
      for (const acc of [0, 1]) {
        const w = Float64Array.from(d0);
        wref.whereBackward(w, cond, g, n, side, acc);
        assertSame(callKernel(k, 'where_backward', acc ? d0 : n, [cond, g], n, 0, side, acc), w, `where_backward side ${side} acc ${acc} n=${n}`);
      }
    }
  }
});

test('where: an int32 mask selects by nonzero', () => {
  const n = 5, out = f32buf(n), cond = i32buf([0, 1, -7, 0, 2]);
  k.where_forward(out, cond, f32buf([1, 2, 3, 4, 5]), f32buf([-1, -2, -3, -4, -5]), n, 1);
  assert.equal(Array.from(readF32(out, n)), [-1, 2, 3, -4, 5]);
});

test('clamp: number bounds, forward and backward bit for bit at every size; NaN, ±inf and lo > hi as PyTorch', () => {
  for (const n of ALL) {
    for (const [lo, hi] of [[-0.5, 0.7], [-Infinity, 0.2], [0.1, Infinity], [0.5, -0.5]]) {
      const x = asF32(uniform(n, n, -1, 1)), g = asF32(uniform(n, n + 1)), d0 = asF32(uniform(n, n + 2));
      if (n > 3) { x[1] = NaN; x[3] = Math.fround(lo); }
      const want = new Float64Array(n);
      cref.clampForward(want, x, lo, hi, n);
      assertSame(callKernel(k, 'clamp_forward', n, [x], lo, hi, n), want, `clamp [${lo}, ${hi}] n=${n}`);
      const w = Float64Array.from(d0);
      cref.clampBackward(w, x, g, lo, hi, n);
      assertSame(callKernel(k, 'clamp_backward', d0, [x, g], lo, hi, n), w, `clamp_backward [${lo}, ${hi}] n=${n}`);
    }
  }
  assertSame(callKernel(k, 'clamp_forward', 3, [[1, -1, 0.25]], 0.5, -0.5, 3), [-0.5, -0.5, -0.5], 'lo > hi gives hi');
  assert.ok(Number.isNaN(callKernel(k, 'clamp_forward', 1, [[0.3]], NaN, 1, 1)[0]), 'a NaN bound gives NaN');
});

test('clamp_tensor_backward: each operand and each bound combination matches the reference', () => {
  for (const n of ALL) {
    const x = asF32(uniform(n, n, -2, 2)), lo = asF32(uniform(n, n + 1, -1.5, 0.5)), hi = asF32(uniform(n, n + 2, -0.5, 1.5));
    const g = asF32(uniform(n, n + 3)), d0 = asF32(uniform(n, n + 4));
    for (const [hasLo, hasHi] of [[1, 1], [1, 0], [0, 1]]) {
      for (let which = 0; which < 3; which++) {
        if ((which === 1 && !hasLo) || (which === 2 && !hasHi)) continue;
        const w = Float64Array.from(d0);
        cref.clampTensorBackward(w, x, hasLo ? lo : null, hasHi ? hi : null, g, n, which);
        assertSame(callKernel(k, 'clamp_tensor_backward', d0, [x, lo, hi, g], n, hasLo, hasHi, which), w, `clamp_tensor_backward ${hasLo}${hasHi} ${which} n=${n}`);
      }
    }
  }
});

test.run();
