import type { Register } from './harness.ts';
import { alloc, f32, i32 } from '../src/wasm/heap.ts';
import { crossentropyForward, crossentropyBackward } from '../src/ref/cross_entropy.ts';

export const register: Register = (add, k) => {
  const B = 32, V = 27;
  const logits = Float64Array.from({ length: B * V }, (_, i) => Math.fround(2 * Math.sin(i)));
  const targets = Int32Array.from({ length: B }, (_, b) => (7 * b) % V);
  const lp = alloc(B * V * 4), pp = alloc(B * V * 4), tp = alloc(B * 4), dp = alloc(B * V * 4);
  const lossp = alloc(4), onep = alloc(4);
  f32().set(logits, lp >>> 2); i32().set(targets, tp >>> 2); f32().fill(0, dp >>> 2, (dp >>> 2) + B * V); f32()[onep >>> 2] = 1;
  k.crossentropy_forward(lossp, pp, lp, tp, B, V, -100);
  const loss = f32()[lossp >>> 2];
  k.crossentropy_backward(dp, pp, tp, onep, B, V, -100, 1);
  const probs = new Float64Array(B * V), dlogits = new Float64Array(B * V);
  const refLoss = crossentropyForward(probs, logits, targets, B, V);
  crossentropyBackward(dlogits, probs, targets, 1, B, V);
  const maxdiff = (p: number, ref: Float64Array) => ref.reduce((m, r, i) => Math.max(m, Math.abs(f32()[(p >>> 2) + i] - r)), 0);
  if (!(Math.abs(loss - refLoss) <= 3e-7 * Math.max(1, refLoss) && maxdiff(pp, probs) <= 1e-6 && maxdiff(dp, dlogits) <= 1e-7)) {
    throw new Error(`crossentropy disagrees with src/ref/cross_entropy.ts: loss ${loss} vs ${refLoss}`);
  }
  add({ name: `crossentropy_forward (${B}x${V})`, flops: 0, fn: () => k.crossentropy_forward(lossp, pp, lp, tp, B, V, -100) });
  add({ name: `crossentropy_backward (${B}x${V})`, flops: 3 * B * V, fn: () => k.crossentropy_backward(dp, pp, tp, onep, B, V, -100, 1) });
};
