// softmax over the last dim (rows), numerically stable in the kernel.
import { Tensor } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { expectFloat, normDim } from './check.ts';

export function softmax(x: Tensor, dim: number): Tensor {
  expectFloat(x, 'softmax', 'input');
  if (dim === undefined) throw new Error('softmax: pass the dim to normalise over, e.g. softmax(1)');
  if (normDim(dim, x.ndim, 'softmax') !== x.ndim - 1) throw new Error(`softmax: only the last dim is supported (dim ${x.ndim - 1} or -1), got ${dim}`);
  const k = kernels();
  const N = x.shape[x.ndim - 1], M = x.numel() / Math.max(N, 1);
  const out = Tensor._empty(x.shape);
  k.softmax_forward(out.ptr, x.ptr, M, N);
  return record(out, [x], () => k.softmax_backward(x.gradPtr(), out.ptr, out.gradPtr(), M, N));
}
