import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import * as ref from '../src/ref/unary.ts';

export const register: Register = (add, k) => {
  const B = 32, H = 200, V = 27, n = B * H;
  const x = alloc(n * 4), g = alloc(n * 4), out = alloc(n * 4), d = alloc(n * 4);
  const xv = Float64Array.from({ length: n }, (_, i) => Math.fround(1.1 + Math.sin(i)));
  f32().set(xv, x >>> 2);
  f32().set(Float64Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i))), g >>> 2);
  const check = (name: string, m: number, want: Float64Array, ulps: number) => {
    const got = f32().subarray(out >>> 2, (out >>> 2) + m);
    if (got.some((v, i) => !(Math.abs(v - want[i]) <= ulps * 2 ** -23 * Math.abs(want[i])))) throw new Error(`${name} disagrees with src/ref/unary.ts`);
  };
  const want = new Float64Array(n);
  k.pow_forward(out, x, 2, n); ref.powForward(want, xv, 2, n); check('pow_forward', n, want, 0);
  add({ name: `pow_forward p=2 (${B}x${H})`, flops: n, fn: () => k.pow_forward(out, x, 2, n) });
  add({ name: `pow_backward p=2 (${B}x${H})`, flops: 3 * n, fn: () => k.pow_backward(d, x, g, 2, n) });
  k.pow_forward(out, x, -0.5, H); ref.powForward(want, xv, -0.5, H); check('pow_forward', H, want, 0);
  add({ name: `pow_forward p=-0.5 (${H})`, flops: 2 * H, fn: () => k.pow_forward(out, x, -0.5, H) });
  const m = B * V;
  k.exp_forward(out, x, m); ref.expForward(want, xv, m); check('exp_forward', m, want, 1);
  add({ name: `exp_forward (${B}x${V})`, flops: 0, fn: () => k.exp_forward(out, x, m) });
  k.log_forward(out, x, m); ref.logForward(want, xv, m); check('log_forward', m, want, 1);
  add({ name: `log_forward (${B}x${V})`, flops: 0, fn: () => k.log_forward(out, x, m) });
  add({ name: `sqrt_forward (${H})`, flops: H, fn: () => k.sqrt_forward(out, x, H) });
};
