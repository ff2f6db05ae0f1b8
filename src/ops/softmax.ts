// softmax and logSoftmax over any dim: the kernels work on rows (the last dim), so another dim
// is moved last (a transpose, copied once) and the result moved back.
import { Tensor } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import type { Kernels } from '../wasm/abi.ts';
import { expectFloat, normDim } from './check.ts';
import { transpose, contiguous } from './view.ts';

type RowKernel = (k: Kernels, out: number, inp: number, M: number, N: number) => void;

function overDim(name: string, x: Tensor, dim: number, forward: RowKernel, backward: (k: Kernels, dinp: number, out: number, dout: number, M: number, N: number) => void): Tensor {
  expectFloat(x, name, 'input');
  if (dim === undefined) throw new Error(`${name}: pass the dim to normalise over, e.g. ${name}(x, 1) or x.${name}(-1)`);
  const d = normDim(dim, Math.max(x.ndim, 1), name);
  const last = Math.max(x.ndim - 1, 0);
  if (d !== last) return transpose(overDim(name, contiguous(transpose(x, d, last)), -1, forward, backward), d, last);
  const k = kernels();
  const N = x.ndim ? x.shape[last] : 1, M = N === 0 ? 0 : x.numel() / N;
  const out = Tensor._empty(x.shape);
  forward(k, out.ptr, x.ptr, M, N);
  return record(name, out, [x], [out], (g) => backward(k, gradPtr(x), out.ptr, g, M, N));
}

/** exp(x) / sum(exp(x)) along dim, computed stably. */
export function softmax(x: Tensor, dim: number): Tensor {
  return overDim('softmax', x, dim, (k, o, i, M, N) => k.softmax_forward(o, i, M, N), (k, d, o, g, M, N) => k.softmax_backward(d, o, g, M, N));
}

/** log(softmax(x)) along dim, computed without rounding the probabilities first. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return overDim('logSoftmax', x, dim, (k, o, i, M, N) => k.log_softmax_forward(o, i, M, N), (k, d, o, g, M, N) => k.log_softmax_backward(d, o, g, M, N));
}
