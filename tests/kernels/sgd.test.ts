import { test } from 'uvu';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, SIZES } from '../helpers/kernels.ts';
import { sgdUpdate, sgdStep } from '../../src/ref/sgd.ts';

const { k } = await loadKernels();

test('sgd: update matches the reference bit for bit at every size', () => {
  for (const n of [...SIZES, 12297]) {
    const p = asF32(uniform(n, n)), g = asF32(uniform(n, n + 1));
    const pp = f32buf(p), gp = f32buf(g);
    k.sgd_update(pp, gp, 0.1, n);
    sgdUpdate(p, g, 0.1);
    assertClose(readF32(pp, n), p, 0, `sgd n=${n}`);
  }
});

test('sgd: NaN gradients propagate', () => {
  const pp = f32buf([1, 2, 3, 4, 5]), gp = f32buf([0, NaN, 0, 0, NaN]);
  k.sgd_update(pp, gp, 0.1, 5);
  const out = readF32(pp, 5);
  if (!Number.isNaN(out[1]) || !Number.isNaN(out[4]) || out[0] !== 1) throw new Error(`got ${out}`);
});

test('sgd: sgd_step matches the reference bit for bit for every option, fused and unfused', () => {
  const opts = [[0, 0, 0], [0.9, 0, 0], [0.8, 0.3, 0.01], [0.9, 0, 0.1]];
  for (const n of [...SIZES, 1000]) {
    for (const [momentum, dampening, wd] of opts) {
      for (let flags = 0; flags < 16; flags++) {
        const nesterov = !!(flags & 1), maximize = !!(flags & 2), first = !!(flags & 4), unfused = !!(flags & 8);
        if (nesterov && (!momentum || dampening)) continue;
        const p = asF32(uniform(n, n + flags)), g = asF32(uniform(n, n + 100)), b = asF32(uniform(n, n + 200));
        const pp = f32buf(p), bp = f32buf(b);
        k.sgd_step(pp, f32buf(g), bp, 0.05, momentum, dampening, wd, flags, n);
        sgdStep(p, g, b, 0.05, momentum, dampening, wd, nesterov, maximize, first, unfused);
        const what = `sgd_step n=${n} m=${momentum} d=${dampening} wd=${wd} flags=${flags}`;
        assertClose(readF32(pp, n), p, 0, `${what} params`);
        if (momentum) assertClose(readF32(bp, n), b, 0, `${what} buffer`);
      }
    }
  }
});

test('sgd: unfused plain sgd_step is sgd_update (the notebook\'s update)', () => {
  const n = 37, p = asF32(uniform(n, 1)), g = asF32(uniform(n, 2));
  const a = f32buf(p), b = f32buf(p), gp = f32buf(g);
  k.sgd_update(a, gp, 0.1, n);
  k.sgd_step(b, gp, 0, 0.1, 0, 0, 0, 8, n);
  assertClose(readF32(b, n), readF32(a, n), 0, 'sgd_step unfused vs sgd_update');
});

test('sgd_step: a multiply-add whose f64 sum lands on an f32 midpoint rounds once, as a real fma, in the SIMD body and the tail', () => {
  // p + d*(-lr) with d = 2^-24(1 + 2^-23), -lr = 1 - 2^-23, p = 1 + 2^-23: the exact sum is just
  // below the midpoint 1 + 2^-23 + 2^-24, its f64 rounding is the midpoint itself, and rounding
  // that to even would give 1 + 2^-22; one rounding gives 1 + 2^-23. Lanes mix it with plain ones.
  const d = Math.fround(2 ** -24 * (1 + 2 ** -23)), lr = -Math.fround(1 - 2 ** -23), p0 = Math.fround(1 + 2 ** -23);
  const n = 11;
  const p = asF32(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? p0 : 0.5 + i / 16)));
  const g = asF32(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? d : i / 32)));
  const pp = f32buf(p);
  k.sgd_step(pp, f32buf(g), 0, lr, 0, 0, 0, 0, n);
  const got = readF32(pp, n);
  for (let i = 0; i < n; i += 3) assertClose([got[i]], [p0], 0, `lane ${i}: one rounding`);
  sgdStep(p, g, new Float64Array(n), lr, 0, 0, 0, false, false, false);
  assertClose(got, p, 0, 'the reference');
});

test.run();
