import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import { bnNotebookForward, bnNotebookBackward, bnTorchForward, bnTorchBackward } from '../src/ref/batchnorm.ts';

export const register: Register = (add, k) => {
  const B = 32, H = 200, eps = Math.fround(1e-5);
  const buf = (data: ArrayLike<number> | number) => {
    const n = typeof data === 'number' ? data : data.length, p = alloc(n * 4);
    if (typeof data === 'number') f32().fill(0, p >>> 2, (p >>> 2) + n); else f32().set(data, p >>> 2);
    return p;
  };
  const read = (p: number, n: number) => f32().slice(p >>> 2, (p >>> 2) + n);
  const fill = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => Math.fround(f(i)));
  const inp = fill(B * H, (i) => Math.sin(i) + Math.cos(i % H)), gain = fill(H, (j) => 1 + 0.1 * Math.sin(j));
  const bias = fill(H, (j) => 0.1 * Math.cos(j)), dout = fill(B * H, (i) => Math.cos(3 * i));
  const ip = buf(inp), gp = buf(gain), bp = buf(bias), dop = buf(dout);
  const op = buf(B * H), mp = buf(H), sp = buf(H), vp = buf(H), rp = buf(H);
  const dip = buf(B * H), dgp = buf(H), dbp = buf(H);
  const check = (name: string, got: Float32Array, want: Float64Array, tol: number) => {
    const d = want.reduce((m, w, i) => Math.max(m, Math.abs(got[i] - w)), 0);
    if (!(d <= tol)) throw new Error(`${name} disagrees with src/ref/batchnorm.ts: maxdiff ${d}`);
  };

  const out = new Float64Array(B * H), mean = new Float64Array(H), s = new Float64Array(H), v = new Float64Array(H);
  const dinp = new Float64Array(B * H), dgain = new Float64Array(H), dbias = new Float64Array(H);
  k.bn_notebook_forward(op, mp, sp, ip, gp, bp, B, H);
  bnNotebookForward(out, mean, s, inp, gain, bias, B, H, Math.fround);
  check('bn_notebook_forward', read(op, B * H), out, 0);
  k.bn_notebook_backward(dip, dgp, dbp, dop, ip, gp, mp, sp, B, H, 1, 1);
  bnNotebookBackward(dinp, dgain, dbias, dout, inp, gain, mean, s, B, H);
  check('bn_notebook_backward', read(dip, B * H), dinp, 1e-4);
  check('bn_notebook_backward dgain', read(dgp, H), dgain, 1e-4);

  k.bn_torch_forward(op, mp, vp, rp, ip, gp, bp, eps, B, H);
  bnTorchForward(out, mean, v, s, inp, gain, bias, eps, B, H, Math.fround);
  check('bn_torch_forward', read(op, B * H), out, 0);
  dinp.fill(0); dgain.fill(0); dbias.fill(0);
  f32().fill(0, dip >>> 2, (dip >>> 2) + B * H); f32().fill(0, dgp >>> 2, (dgp >>> 2) + H);
  k.bn_torch_backward(dip, dgp, dbp, dop, ip, gp, mp, rp, B, H, 1, 1);
  bnTorchBackward(dinp, dgain, dbias, dout, inp, gain, mean, s, B, H);
  check('bn_torch_backward', read(dip, B * H), dinp, 1e-4);

  const n = B * H;
  add({ name: `bn_notebook_forward (${B}x${H})`, flops: 8 * n, fn: () => k.bn_notebook_forward(op, mp, sp, ip, gp, bp, B, H) });
  add({ name: `bn_notebook_backward (${B}x${H})`, flops: 12 * n, fn: () => k.bn_notebook_backward(dip, dgp, dbp, dop, ip, gp, mp, sp, B, H, 1, 1) });
  add({ name: `bn_torch_forward (${B}x${H})`, flops: 8 * n, fn: () => k.bn_torch_forward(op, mp, vp, rp, ip, gp, bp, eps, B, H) });
  add({ name: `bn_torch_backward (${B}x${H})`, flops: 12 * n, fn: () => k.bn_torch_backward(dip, dgp, dbp, dop, ip, gp, mp, rp, B, H, 1, 1) });
};
