import { test } from 'uvu';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, SIZES } from '../helpers/kernels.ts';
import { sgdUpdate } from '../../src/ref/sgd.ts';

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

test.run();
