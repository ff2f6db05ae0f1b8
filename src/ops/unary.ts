// Element-wise functions of one tensor: neg, exp, log, log10, sqrt, pow(number).
import { Tensor } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { expectFloat } from './check.ts';

export function neg(x: Tensor): Tensor {
  expectFloat(x, 'neg', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.neg_forward(out.ptr, x.ptr, n);
  return record(out, [x], () => { const dx = x.gradPtr(); k.sub(dx, dx, out.gradPtr(), 1, n, 0, 0); });
}

export function exp(x: Tensor): Tensor {
  expectFloat(x, 'exp', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.exp_forward(out.ptr, x.ptr, n);
  return record(out, [x], () => k.exp_backward(x.gradPtr(), out.ptr, out.gradPtr(), n));
}

export function log(x: Tensor): Tensor {
  expectFloat(x, 'log', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.log_forward(out.ptr, x.ptr, n);
  return record(out, [x], () => k.log_backward(x.gradPtr(), x.ptr, out.gradPtr(), n));
}

export function log10(x: Tensor): Tensor {
  expectFloat(x, 'log10', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.log10_forward(out.ptr, x.ptr, n);
  return record(out, [x], () => k.log10_backward(x.gradPtr(), x.ptr, out.gradPtr(), n));
}

export function sqrt(x: Tensor): Tensor {
  expectFloat(x, 'sqrt', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.sqrt_forward(out.ptr, x.ptr, n);
  return record(out, [x], () => k.sqrt_backward(x.gradPtr(), out.ptr, out.gradPtr(), n));
}

export function pow(x: Tensor, p: number): Tensor {
  expectFloat(x, 'pow', 'input');
  if (typeof p !== 'number') throw new Error(`pow: the exponent must be a number, got ${typeof p}`);
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.pow_forward(out.ptr, x.ptr, p, n);
  return record(out, [x], () => k.pow_backward(x.gradPtr(), x.ptr, out.gradPtr(), p, n));
}
