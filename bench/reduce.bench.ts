import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import * as ref from '../src/ref/reduce.ts';

export const register: Register = (add, k) => {
  const B = 32, H = 200, V = 27;
  const x = alloc(B * H * 4), out = alloc(H * 4);
  const xv = Float64Array.from({ length: B * H }, (_, i) => Math.fround(Math.sin(i)));
  f32().set(xv, x >>> 2);
  const check = (name: string, m: number, want: Float64Array) => {
    const got = f32().subarray(out >>> 2, (out >>> 2) + m);
    if (got.some((v, i) => !(Math.abs(v - want[i]) <= 2 ** -23 * Math.abs(want[i]) + 1e-30))) throw new Error(`${name} disagrees with src/ref/reduce.ts`);
  };
  const want = new Float64Array(H);
  k.sum_dim0(out, x, B, H, 0); ref.sumDim0(want, xv, B, H, 0); check('sum_dim0', H, want);
  add({ name: `sum_dim0 (${B}x${H}) -> (${H})`, flops: B * H, fn: () => k.sum_dim0(out, x, B, H, 0) });
  k.sum_dim0(out, x, B, V, 0); ref.sumDim0(want, xv, B, V, 0); check('sum_dim0', V, want);
  add({ name: `sum_dim0 (${B}x${V}) -> (${V})`, flops: B * V, fn: () => k.sum_dim0(out, x, B, V, 0) });
  k.sum_dim1(out, x, B, V, 0); ref.sumDim1(want, xv, B, V, 0); check('sum_dim1', B, want);
  add({ name: `sum_dim1 (${B}x${V}) -> (${B})`, flops: B * V, fn: () => k.sum_dim1(out, x, B, V, 0) });
  k.sum_all(out, x, B * H, 0); ref.sumAll(want, xv, B * H, 0); check('sum_all', 1, want);
  add({ name: `sum_all (${B * H})`, flops: B * H, fn: () => k.sum_all(out, x, B * H, 0) });
  k.max_dim1(out, x, B, V); ref.maxDim1(want, xv, B, V); check('max_dim1', B, want);
  add({ name: `max_dim1 (${B}x${V}) -> (${B})`, flops: B * V, fn: () => k.max_dim1(out, x, B, V) });
};
