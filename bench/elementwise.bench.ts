import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import * as ref from '../src/ref/elementwise.ts';

export const register: Register = (add, k) => {
  const B = 32, H = 200, n = B * H;
  const a = alloc(n * 4), b = alloc(n * 4), out = alloc(n * 4);
  const av = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
  const bv = Float64Array.from({ length: n }, (_, i) => Math.fround(1.5 + Math.cos(i)));
  f32().set(av, a >>> 2); f32().set(bv, b >>> 2);
  const check = (name: string, want: Float64Array) => {
    const got = f32().subarray(out >>> 2, (out >>> 2) + want.length);
    if (got.some((v, i) => v !== want[i])) throw new Error(`${name} disagrees with src/ref/elementwise.ts`);
  };
  const want = new Float64Array(n);
  k.add(out, a, b, B, H, 1, 0); ref.add(want, av, bv, B, H, 1, 0); check('add', want);
  add({ name: `add row-broadcast (${B}x${H}) + (${H})`, flops: n, fn: () => k.add(out, a, b, B, H, 1, 0) });
  k.mul(out, a, b, B, H, 0, 0); ref.mul(want, av, bv, B, H, 0, 0); check('mul', want);
  add({ name: `mul (${B}x${H}) * (${B}x${H}), acc`, flops: 2 * n, fn: () => k.mul(out, a, b, B, H, 0, 1) });
  k.div(out, a, b, B, H, 1, 0); ref.div(want, av, bv, B, H, 1, 0); check('div', want);
  add({ name: `div row-broadcast (${B}x${H}) / (${H})`, flops: n, fn: () => k.div(out, a, b, B, H, 1, 0) });
  k.sub(out, a, b, B, H, 2, 0); ref.sub(want, av, bv, B, H, 2, 0); check('sub', want);
  add({ name: `sub column-broadcast (${B}x${H}) - (${B})`, flops: n, fn: () => k.sub(out, a, b, B, H, 2, 0) });
  k.div_scalar(out, a, 3, n, 0); ref.divScalar(want, av, 3, n, 0); check('div_scalar', want);
  add({ name: `div_scalar (${n})`, flops: n, fn: () => k.div_scalar(out, a, 3, n, 0) });
  add({ name: `fill 0 (${n})`, flops: 0, fn: () => k.fill(out, 0, n) });
  add({ name: `ema_update (${H})`, flops: 3 * H, fn: () => k.ema_update(out, a, 0.999, 0.001, H) });
};
