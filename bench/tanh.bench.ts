import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import { tanhForward, tanhBackward } from '../src/ref/tanh.ts';

export const register: Register = (add, k) => {
  const n = 32 * 200; // B x H, the hidden layer
  const x = alloc(n * 4), out = alloc(n * 4), dout = alloc(n * 4), dinp = alloc(n * 4);
  const xv = Float64Array.from({ length: n }, (_, i) => Math.fround(3 * Math.sin(i)));
  const gv = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i)));
  f32().set(xv, x >>> 2); f32().set(gv, dout >>> 2); f32().fill(0, dinp >>> 2, (dinp >>> 2) + n);
  const want = new Float64Array(n);
  k.tanh_forward(out, x, n); tanhForward(want, xv, n);
  const y = f32().slice(out >>> 2, (out >>> 2) + n);
  if (y.some((v, i) => !(Math.abs(v - want[i]) <= 1e-6))) throw new Error('tanh_forward disagrees with src/ref/tanh.ts');
  const dw = new Float64Array(n);
  k.tanh_backward(dinp, out, dout, n, 1); tanhBackward(dw, y, gv, n);
  if (f32().subarray(dinp >>> 2, (dinp >>> 2) + n).some((v, i) => v !== dw[i])) throw new Error('tanh_backward disagrees with src/ref/tanh.ts');
  // flops: 4 mul + 7 mul-add + 1 div + clamp, about 20 per element.
  add({ name: `tanh_forward (${n})`, flops: 20 * n, fn: () => k.tanh_forward(out, x, n) });
  add({ name: `tanh_backward (${n})`, flops: 4 * n, fn: () => k.tanh_backward(dinp, out, dout, n, 1) });
};
