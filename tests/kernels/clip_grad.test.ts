import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, SIZES } from '../helpers/kernels.ts';
import { alloc, f64 } from '../../src/wasm/heap.ts';
import { takeStatus } from '../../src/wasm/status.ts';
import { totalNorm, clipCoef } from '../../src/ref/clip_grad.ts';

const { k } = await loadKernels();

test('clip_grad: the p-norm over several blocks and the coefficient match the reference', () => {
  for (const p of [2, 1, 3, 0, Infinity]) {
    for (const maxNorm of [0.5, 1e6]) {
      const blocks = SIZES.map((n) => asF32(uniform(n, n * 7 + p)));
      const acc = alloc(8);
      f64()[acc >>> 3] = 0;
      for (const b of blocks) k.norm_accumulate(acc, f32buf(b), b.length, p);
      const tp = f32buf(1), cp = f32buf(1);
      k.clip_coef(tp, cp, acc, p, maxNorm, 0);
      const want = totalNorm(blocks, p);
      const got = readF32(tp, 1)[0];
      assert.ok(Math.abs(got - want) <= 1e-6 * want, `p=${p}: total ${got}, expected ${want}`);
      assert.is(readF32(cp, 1)[0], clipCoef(got, maxNorm), `p=${p} maxNorm=${maxNorm}: coef`);
    }
  }
});

test('clip_grad: a non-finite norm is reported only when asked', () => {
  const acc = alloc(8);
  f64()[acc >>> 3] = 0;
  k.norm_accumulate(acc, f32buf([1, NaN, 2]), 3, 2);
  k.clip_coef(f32buf(1), f32buf(1), acc, 2, 1, 0);
  assert.is(takeStatus(), null);
  k.clip_coef(f32buf(1), f32buf(1), acc, 2, 1, 1);
  assert.ok(takeStatus() !== null, 'status set');
});

test.run();
