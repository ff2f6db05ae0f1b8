import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import { sgdUpdate } from '../src/ref/sgd.ts';

export const register: Register = (add, k) => {
  const n = 12297;
  const p = alloc(n * 4), g = alloc(n * 4);
  const ref = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
  const grads = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i)));
  f32().set(ref, p >>> 2); f32().set(grads, g >>> 2);
  k.sgd_update(p, g, 0.1, n); sgdUpdate(ref, grads, 0.1);
  const out = f32().subarray(p >>> 2, (p >>> 2) + n);
  if (out.some((v, i) => v !== ref[i])) throw new Error('sgd_update disagrees with src/ref/sgd.ts');
  add({ name: `sgd_update (${n})`, flops: 2 * n, fn: () => k.sgd_update(p, g, 0.001, n) });
};
