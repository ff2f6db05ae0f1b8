// Element-wise functions of one tensor: neg, exp, log, log10, log1p, sqrt, rsqrt, tanh, abs, sign,
// sin, cos, square, reciprocal and the powers x ** p for a number p. square, reciprocal and
// rsqrt run pow's float32 forms (x*x, 1/x, 1/sqrt x), which are PyTorch's, bit for bit.
import { Tensor } from '../tensor.ts';
import { record, gradPtr, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import type { Kernels } from '../wasm/abi.ts';
import { expectFloat } from './check.ts';

/**
 * out = f(x) by the kernel `forward`; backward(k, dx, x, out, dout, n, acc) adds into dx, or
 * writes it when acc is 0 (only with `writes`: for kernels that take acc, see gradTarget).
 * `keeps` says what the backward reads: x (log, log10, pow) or out (exp, sqrt, relu).
 */
export function unary(name: string, x: Tensor, keeps: 'x' | 'out' | 'none',
  forward: (k: Kernels, out: number, x: number, n: number) => void,
  backward: (k: Kernels, dx: number, x: number, out: number, dout: number, n: number, acc: number) => void, writes = false): Tensor {
  expectFloat(x, name, 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  forward(k, out.ptr, x.ptr, n);
  const saved = keeps === 'x' ? [x] : keeps === 'out' ? [out] : [];
  return record(name, out, [x], saved, (g) => {
    const [dx, acc] = writes ? gradTarget(x) : [gradPtr(x), 1];
    backward(k, dx, keeps === 'x' ? x.ptr : 0, keeps === 'out' ? out.ptr : 0, g, n, acc);
  });
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

/** x ** p for a number p (pow with a tensor on either side is in binary.ts). */
export function powScalar(x: Tensor, p: number, name = 'pow'): Tensor {
  return unary(name, x, 'x', (k, o, a, n) => k.pow_forward(o, a, p, n), (k, dx, a, _o, g, n) => k.pow_backward(dx, a, g, p, n));
}

/** x * x. */
export const square = (x: Tensor): Tensor => powScalar(x, 2, 'square');
/** 1 / x. */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x, 'out', (k, o, a, n) => k.pow_forward(o, a, -1, n),
  (k, dx, _x, o, g, n) => k.reciprocal_backward(dx, o, g, n));
/** 1 / sqrt(x), as the float32 ops (two roundings, as PyTorch's CPU kernel). */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, 'out', (k, o, a, n) => k.pow_forward(o, a, -0.5, n),
  (k, dx, _x, o, g, n) => k.rsqrt_backward(dx, o, g, n));

/** |x|; its gradient is sign(x) (0 at 0). */
export const abs = (x: Tensor): Tensor => unary('abs', x, 'x', (k, o, a, n) => k.abs_forward(o, a, n),
  (k, dx, a, _o, g, n) => k.abs_backward(dx, a, g, n));

/** 1, -1, or 0 (for 0 and NaN). Its gradient is 0, as PyTorch's. */
export const sign = (x: Tensor): Tensor => unary('sign', x, 'none', (k, o, a, n) => k.sign_forward(o, a, n),
  (_k, dx) => void dx);

/** ln(1 + x), accurate for small x. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x, 'x', (k, o, a, n) => k.log1p_forward(o, a, n),
  (k, dx, a, _o, g, n) => k.log1p_backward(dx, a, g, n));

export const sin = (x: Tensor): Tensor => unary('sin', x, 'x', (k, o, a, n) => k.sin_forward(o, a, n),
  (k, dx, a, _o, g, n) => k.sin_backward(dx, a, g, n));

export const cos = (x: Tensor): Tensor => unary('cos', x, 'x', (k, o, a, n) => k.cos_forward(o, a, n),
  (k, dx, a, _o, g, n) => k.cos_backward(dx, a, g, n));
