// tanh; backward reuses the saved output: d/dx tanh(x) = 1 - out².
import { Tensor } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { expectFloat } from './check.ts';

export function tanh(x: Tensor): Tensor {
  expectFloat(x, 'tanh', 'input');
  const k = kernels(), n = x.numel();
  const out = Tensor._empty(x.shape);
  k.tanh_forward(out.ptr, x.ptr, n);
  return record(out, [x], () => k.tanh_backward(x.gradPtr(), out.ptr, out.gradPtr(), n));
}
