// Element-wise functions of one tensor: neg, exp, log, log10, sqrt, pow(number).
import { Tensor } from '../tensor.ts';
import { record, gradPtr, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import type { Kernels } from '../wasm/abi.ts';
import { expectFloat } from './check.ts';

/**
 * out = f(x) by the kernel `forward`; backward(k, dx, x, out, dout, n) accumulates into dx.
 * `keeps` says what the backward reads: x (log, log10, pow) or out (exp, sqrt, tanh).
 */
export function unary(name: string, x: Tensor, keeps: 'x' | 'out' | 'none',
  forward: (k: Kernels, out: number, x: number, n: number) => void,
  backward: (k: Kernels, dx: number, x: number, out: number, dout: number, n: number) => void): Tensor {
  expectFloat(x, name, 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  forward(k, out.ptr, x.ptr, n);
  const saved = keeps === 'x' ? [x] : keeps === 'out' ? [out] : [];
  return record(name, out, [x], saved, (g) =>
    backward(k, gradPtr(x), keeps === 'x' ? x.ptr : 0, keeps === 'out' ? out.ptr : 0, g, n));
}

export const neg = (x: Tensor): Tensor => unary('neg', x, 'none', (k, o, a, n) => k.neg_forward(o, a, n),
  (k, dx, _x, _o, g, n) => k.sub(dx, dx, g, 1, n, 0, 0));

export const exp = (x: Tensor): Tensor => unary('exp', x, 'out', (k, o, a, n) => k.exp_forward(o, a, n),
  (k, dx, _x, o, g, n) => k.exp_backward(dx, o, g, n));

export const log = (x: Tensor): Tensor => unary('log', x, 'x', (k, o, a, n) => k.log_forward(o, a, n),
  (k, dx, a, _o, g, n) => k.log_backward(dx, a, g, n));

export const log10 = (x: Tensor): Tensor => unary('log10', x, 'x', (k, o, a, n) => k.log10_forward(o, a, n),
  (k, dx, a, _o, g, n) => k.log10_backward(dx, a, g, n));

export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, 'out', (k, o, a, n) => k.sqrt_forward(o, a, n),
  (k, dx, _x, o, g, n) => k.sqrt_backward(dx, o, g, n));

export function tanh(x: Tensor): Tensor {
  expectFloat(x, 'tanh', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.tanh_forward(out.ptr, x.ptr, n);
  return record('tanh', out, [x], [out], (g) => { const [dx, acc] = gradTarget(x); k.tanh_backward(dx, out.ptr, g, n, acc); });
}

/** x ** p for a number p. */
export function pow(x: Tensor, p: number): Tensor {
  if (typeof p !== 'number') throw new Error(`pow: the exponent must be a number, got ${typeof p}`);
  return unary('pow', x, 'x', (k, o, a, n) => k.pow_forward(o, a, p, n), (k, dx, a, _o, g, n) => k.pow_backward(dx, a, g, p, n));
}
