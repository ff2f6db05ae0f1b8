import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import { softmaxForward, softmaxBackward } from '../src/ref/softmax.ts';

export const register: Register = (add, k) => {
  const B = 32, V = 27, n = B * V; // the logits
  const x = alloc(n * 4), out = alloc(n * 4), dout = alloc(n * 4), dinp = alloc(n * 4);
  const xv = Float64Array.from({ length: n }, (_, i) => Math.fround(4 * Math.sin(i)));
  const gv = Float64Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i)));
  f32().set(xv, x >>> 2); f32().set(gv, dout >>> 2); f32().fill(0, dinp >>> 2, (dinp >>> 2) + n);
  const want = new Float64Array(n);
  k.softmax_forward(out, x, B, V); softmaxForward(want, xv, B, V);
  const y = f32().slice(out >>> 2, (out >>> 2) + n);
  if (y.some((v, i) => !(Math.abs(v - want[i]) <= 2 ** -22 * want[i]))) throw new Error('softmax_forward disagrees with src/ref/softmax.ts');
  const dw = new Float64Array(n);
  k.softmax_backward(dinp, out, dout, B, V); softmaxBackward(dw, y, gv, B, V);
  if (f32().subarray(dinp >>> 2, (dinp >>> 2) + n).some((v, i) => !(Math.abs(v - dw[i]) <= 2e-7 + 2 ** -22 * Math.abs(dw[i])))) {
    throw new Error('softmax_backward disagrees with src/ref/softmax.ts');
  }
  add({ name: `softmax_forward (${B}x${V})`, flops: 0, fn: () => k.softmax_forward(out, x, B, V) });
  add({ name: `softmax_backward (${B}x${V})`, flops: 5 * n, fn: () => k.softmax_backward(dinp, out, dout, B, V) });
};
