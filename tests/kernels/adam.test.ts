import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, SIZES } from '../helpers/kernels.ts';
import { adamStep, type AdamScalars } from '../../src/ref/adam.ts';

const { k } = await loadKernels();

const base: AdamScalars = {
  negStepSize: -0.01 / (1 - 0.9 ** 3), bc2Sqrt: Math.sqrt(1 - 0.999 ** 3), decay: 1 - 0.01 * 0.1, beta1: 0.9, oneMinusBeta1: 1 - 0.9,
  beta2: 0.999, oneMinusBeta2: 1 - 0.999, eps: 1e-8, weightDecay: 0.1, amsgrad: false, maximize: false, decoupled: false,
};

test('adam_step: matches the reference bit for bit at every size and flag (fused multiply-adds included)', () => {
  for (const n of [...SIZES, 1000]) {
    for (const flags of [0, 1, 2, 3, 4, 5, 7]) {
      const s: AdamScalars = { ...base, amsgrad: !!(flags & 1), maximize: !!(flags & 2), decoupled: !!(flags & 4) };
      const p = asF32(uniform(n, n)), g = asF32(uniform(n, n + 1)), m = asF32(uniform(n, n + 2, -0.1, 0.1));
      const v = asF32(uniform(n, n + 3, 0, 0.01)), vmax = asF32(uniform(n, n + 4, 0, 0.01));
      const [pp, mp, vp, xp] = [f32buf(p), f32buf(m), f32buf(v), f32buf(vmax)];
      k.adam_step(pp, f32buf(g), mp, vp, s.amsgrad ? xp : 0, s.negStepSize, s.bc2Sqrt, s.decay, s.beta1, s.oneMinusBeta1,
        s.beta2, s.oneMinusBeta2, s.eps, s.weightDecay, flags, n);
      adamStep(p, g, m, v, s.amsgrad ? vmax : null, s);
      const what = `adam n=${n} flags=${flags}`;
      assertClose(readF32(pp, n), p, 0, `${what} params`);
      assertClose(readF32(mp, n), m, 0, `${what} exp_avg`);
      assertClose(readF32(vp, n), v, 0, `${what} exp_avg_sq`);
      if (s.amsgrad) assertClose(readF32(xp, n), vmax, 0, `${what} max_exp_avg_sq`);
    }
  }
});

test('adam_step: a fused multiply-add on an f32 midpoint, overflows and NaNs among SIMD lanes: the reference\'s bits', () => {
  // m = fma32(g, 1 - beta1, m * beta1) with beta1 = 1: g·b + m = 1 + 2^-23 + 2^-24 - 2^-70 exactly,
  // whose float64 sum is the float32 midpoint 1 + 2^-23 + 2^-24; rounded once it is 1 + 2^-23
  // (rounding the float64 sum again would give 1 + 2^-22).
  const one = 1 + 2 ** -23, b = 2 ** -24 - 2 ** -47;
  const s: AdamScalars = { ...base, beta1: 1, oneMinusBeta1: b, decoupled: false, weightDecay: 10 };
  for (const at of [0, 1, 2, 3, 5, 33, 36]) {
    for (const odd of ['midpoint', 'overflow', 'nan'] as const) {
      const n = 37;
      const p = asF32(uniform(n, at)), g = asF32(uniform(n, at + 1)), m = asF32(uniform(n, at + 2, -0.1, 0.1)), v = asF32(uniform(n, at + 3, 0, 0.01));
      if (odd === 'midpoint') { g[at] = one; m[at] = one; p[at] = 0; }
      if (odd === 'overflow') p[at] = 3e38; // g + 10·p overflows float32 (Adam's L2 term)
      if (odd === 'nan') g[at] = NaN;
      const [pp, mp, vp] = [f32buf(p), f32buf(m), f32buf(v)];
      k.adam_step(pp, f32buf(g), mp, vp, 0, s.negStepSize, s.bc2Sqrt, s.decay, s.beta1, s.oneMinusBeta1,
        s.beta2, s.oneMinusBeta2, s.eps, s.weightDecay, 0, n);
      adamStep(p, g, m, v, null, s);
      if (odd === 'midpoint') assert.is(m[at], one, 'the reference rounds once');
      const what = `adam ${odd} at ${at}`;
      assertClose(readF32(pp, n), p, 0, `${what} params`);
      assertClose(readF32(mp, n), m, 0, `${what} exp_avg`);
      assertClose(readF32(vp, n), v, 0, `${what} exp_avg_sq`);
    }
  }
});

test.run();
