// sum over all elements or one dim (keepdim as PyTorch); mean and std are composites of
// sum and the element-wise ops, so their gradients come for free.
import { Tensor, numelOf } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { expectFloat, normDim } from './check.ts';

export function sum(x: Tensor, dim?: number, keepdim = false): Tensor {
  expectFloat(x, 'sum', 'input');
  const k = kernels();
  if (dim === undefined) {
    const n = x.numel();
    const out = Tensor._empty(keepdim ? x.shape.map(() => 1) : []);
    k.sum_all(out.ptr, x.ptr, n, 0);
    return record(out, [x], () => k.add(x.gradPtr(), x.gradPtr(), out.gradPtr(), 1, n, 3, 0));
  }
  const d = normDim(dim, x.ndim, 'sum');
  // View x as (pre, D, post) and reduce the middle.
  const pre = numelOf(x.shape.slice(0, d)), D = x.shape[d], post = numelOf(x.shape.slice(d + 1));
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  const out = Tensor._empty(shape);
  if (post === 1) k.sum_dim1(out.ptr, x.ptr, pre, D, 0);
  else for (let i = 0; i < pre; i++) k.sum_dim0(out.ptr + i * post * 4, x.ptr + i * D * post * 4, D, post, 0);
  return record(out, [x], () => {
    const dx = x.gradPtr(), g = out.gradPtr();
    if (post === 1) k.add(dx, dx, g, pre, D, 2, 0);
    else for (let i = 0; i < pre; i++) k.add(dx + i * D * post * 4, dx + i * D * post * 4, g + i * post * 4, D, post, 1, 0);
  });
}

export function mean(x: Tensor, dim?: number, keepdim = false): Tensor {
  const n = dim === undefined ? x.numel() : x.shape[normDim(dim, x.ndim, 'mean')];
  return sum(x, dim, keepdim).div(n);
}

/** Standard deviation with Bessel's correction (divides by n - 1), as torch.std. */
export function std(x: Tensor, dim?: number, keepdim = false): Tensor {
  const n = dim === undefined ? x.numel() : x.shape[normDim(dim, x.ndim, 'std')];
  const centred = x.sub(mean(x, dim, true));
  return sum(centred.mul(centred), dim, keepdim).div(n - 1).sqrt();
}
