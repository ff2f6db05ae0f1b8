import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, SIZES } from '../helpers/kernels.ts';
import { takeStatus } from '../../src/wasm/status.ts';
import { bceForward, bceBackward, bceLogitsForward, bceLogitsBackward } from '../../src/ref/binary_cross_entropy.ts';

const { k } = await loadKernels();

test('bce: forward and both gradients match the float64 reference, clamps included', () => {
  for (const n of [...SIZES, 100]) {
    const x = asF32(uniform(n, n, 0, 1)), t = asF32(uniform(n, n + 1, 0, 1)), g = asF32(uniform(n, n + 2));
    if (n > 3) { x[0] = 0; x[1] = 1; x[2] = 1e-30; }
    const lp = f32buf(n);
    k.bce_forward(lp, f32buf(x), f32buf(t), n);
    assert.is(takeStatus(), null);
    assertClose(readF32(lp, n), Array.from(x, (xi, i) => bceForward(xi, t[i])), 1e-5, `bce n=${n}`, 1e-6);
    const dx = f32buf(n), dt = f32buf(n);
    k.fill(dx, 0.5, n); k.fill(dt, 0, n);
    k.bce_backward(dx, dt, f32buf(g), f32buf(x), f32buf(t), n);
    assertClose(readF32(dx, n), Array.from(x, (xi, i) => 0.5 + bceBackward(xi, t[i], g[i])[0]), 1e-5, `bce dx n=${n}`, 1e-5);
    assertClose(readF32(dt, n), Array.from(x, (xi, i) => bceBackward(xi, t[i], g[i])[1]), 1e-5, `bce dt n=${n}`, 1e-5);
  }
});

test('bce: an input outside [0, 1] is reported with its value and position', () => {
  k.bce_forward(f32buf(3), f32buf([0.5, 1.5, -1]), f32buf([0, 1, 0]), 3);
  const s = takeStatus();
  assert.ok(s && s[2] === 1 && new Float32Array(new Int32Array([s[1]]).buffer)[0] === 1.5, `status ${s}`);
});

test('bce_logits: forward and gradients match the reference with and without posWeight, stable at ±1e4', () => {
  for (const n of [...SIZES, 100]) {
    const x = asF32(uniform(n, 3 * n, -8, 8)), t = asF32(uniform(n, 3 * n + 1, 0, 1)), pw = asF32(uniform(n, 5 * n, 0, 3));
    const g = asF32(uniform(n, 4 * n));
    if (n > 3) { x[0] = 1e4; x[1] = -1e4; }
    for (const withPw of [false, true]) {
      const lp = f32buf(n), pwp = withPw ? f32buf(pw) : 0;
      k.bce_logits_forward(lp, f32buf(x), f32buf(t), pwp, n);
      const want = Array.from(x, (xi, i) => bceLogitsForward(xi, t[i], withPw ? pw[i] : null));
      assertClose(readF32(lp, n), want, 1e-5, `bce_logits n=${n} pw=${withPw}`, 2e-6);
      const dx = f32buf(n), dt = f32buf(n);
      k.fill(dx, 0, n); k.fill(dt, 0, n);
      k.bce_logits_backward(dx, dt, f32buf(g), f32buf(x), f32buf(t), pwp, n);
      const grads = Array.from(x, (xi, i) => bceLogitsBackward(xi, t[i], withPw ? pw[i] : null, g[i]));
      assertClose(readF32(dx, n), grads.map((d) => d[0]), 1e-6, `bce_logits dx n=${n} pw=${withPw}`, 1e-5);
      assertClose(readF32(dt, n), grads.map((d) => d[1]), 1e-6, `bce_logits dt n=${n} pw=${withPw}`, 1e-5);
    }
  }
});

test.run();
